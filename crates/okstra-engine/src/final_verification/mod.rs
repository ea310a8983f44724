//! Owns reading final-verification records back from disk (release-handoff's gate reads the
//! latest one); the verdict itself is decided in `okstra_core::final_verification`.

mod latest;

pub use latest::latest_final_verification;
