//! Owns the names of per-worker artifacts' parts: the round a worker artifact belongs to
//! (`RoundTag`) and its kind (`ArtifactKind`), each with its file-name suffix.

/// Which round a worker artifact belongs to: a convergence round (0 carries no suffix), the
/// plan-body verification round (`-pbv`), or a step of an executor driven step by step
/// (`-step-<n>`). Serialized as the round number, `"pbv"` or `"step-<n>"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoundTag {
    Round(u32),
    PlanBody,
    /// Step `n` (1-based) of an executor driven step by step; its replay key is `step-<n>`.
    Step(u32),
}

impl std::fmt::Display for RoundTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoundTag::Round(n) => write!(f, "{n}"),
            RoundTag::PlanBody => f.write_str("pbv"),
            RoundTag::Step(n) => write!(f, "step-{n}"),
        }
    }
}

impl serde::Serialize for RoundTag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RoundTag::Round(n) => s.serialize_u32(*n),
            RoundTag::PlanBody => s.serialize_str("pbv"),
            RoundTag::Step(n) => s.serialize_str(&format!("step-{n}")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for RoundTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RoundTag;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a round number, \"pbv\" or \"step-<n>\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RoundTag, E> {
                u32::try_from(v)
                    .map(RoundTag::Round)
                    .map_err(|_| E::custom("round out of range"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RoundTag, E> {
                u32::try_from(v)
                    .map(RoundTag::Round)
                    .map_err(|_| E::custom("round out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RoundTag, E> {
                let tag = match v.strip_prefix("step-") {
                    _ if v == "pbv" => Some(RoundTag::PlanBody),
                    Some(n) => n.parse().ok().filter(|n| *n >= 1).map(RoundTag::Step),
                    None => v.parse().ok().map(RoundTag::Round),
                };
                tag.ok_or_else(|| E::custom(format!("bad round {v:?}")))
            }
        }
        d.deserialize_any(V)
    }
}

impl RoundTag {
    pub(super) fn suffix(self) -> String {
        match self {
            RoundTag::Round(0) => String::new(),
            RoundTag::Round(n) => format!("-r{n}"),
            RoundTag::PlanBody => "-pbv".to_owned(),
            RoundTag::Step(n) => format!("-step-{n}"),
        }
    }
}

/// The kinds of per-worker artifact (SPEC §2 "Worker artifact names").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    /// `prompts/<worker>-<tt>-<seq>….prompt.md`
    Prompt,
    /// `worker-results/<worker>-<tt>-<seq>….md`
    Result,
    /// `worker-results/<worker>-audit-<tt>-<seq>….md`
    Audit,
    /// `worker-results/<worker>-errors-<tt>-<seq>….log`
    Errors,
    /// `worker-results/<worker>-transcript-<tt>-<seq>….jsonl`
    Transcript,
}

impl ArtifactKind {
    pub(super) fn infix(self) -> &'static str {
        match self {
            ArtifactKind::Prompt | ArtifactKind::Result => "",
            ArtifactKind::Audit => "-audit",
            ArtifactKind::Errors => "-errors",
            ArtifactKind::Transcript => "-transcript",
        }
    }

    pub(super) fn extension(self) -> &'static str {
        match self {
            ArtifactKind::Prompt => ".prompt.md",
            ArtifactKind::Result | ArtifactKind::Audit => ".md",
            ArtifactKind::Errors => ".log",
            ArtifactKind::Transcript => ".jsonl",
        }
    }
}
