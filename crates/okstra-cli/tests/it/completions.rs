//! `okstra completions <shell>` and `okstra man`: the scripts and pages come from the clap
//! definitions and work in the real tools (bash completes, groff renders).

use std::process::Command;

use okstra_test_support::TestEnv;

use crate::common::okstra;

/// Sources the bash script in a real bash and returns what `okstra <words…><TAB>` offers.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let line = format!(
        "source {}; COMP_WORDS=(okstra {}); COMP_CWORD={}; \
         _okstra okstra \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        words.len(),
    );
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &line])
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_shell_gets_a_script_and_bash_completes_with_it() {
    let env = TestEnv::new_non_git();
    for (shell, marker) in [
        ("bash", "_okstra()"),
        ("zsh", "#compdef okstra"),
        ("fish", "complete -c okstra"),
        ("elvish", "edit:completion:arg-completer[okstra]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = okstra(&env, &["completions", shell]);
        assert_eq!(out.code, Some(0), "{out}");
        assert!(out.stdout.contains(marker), "{shell}: {out}");
        assert!(out.stderr.is_empty(), "{shell}: {out}");
    }
    let script = env.root().join("okstra.bash");
    let out = okstra(&env, &["completions", "bash"]);
    fs_err::write(&script, &out.stdout).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{syntax:?}");
    let top = bash_completes(&script, &[""]);
    for cmd in ["run", "ctl", "completions", "man", "wizard"] {
        assert!(top.iter().any(|w| w == cmd), "{cmd} missing in {top:?}");
    }
    let ctl = bash_completes(&script, &["ctl", ""]);
    assert!(ctl.iter().any(|w| w == "list"), "{ctl:?}");
    let shells = bash_completes(&script, &["completions", ""]);
    let offered: Vec<&str> = shells
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    assert_eq!(
        offered,
        ["bash", "elvish", "fish", "powershell", "zsh"],
        "{shells:?}"
    );
}

#[test]
fn an_unknown_shell_exits_2_naming_the_shells() {
    let env = TestEnv::new_non_git();
    let out = okstra(&env, &["completions", "ksh"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{out}"
    );
}

#[test]
fn the_man_page_renders_and_out_dir_writes_one_page_per_command() {
    let env = TestEnv::new_non_git();
    let out = okstra(&env, &["man"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(".TH okstra 1"), "{out}");
    let page = env.root().join("okstra.1");
    fs_err::write(&page, &out.stdout).unwrap();
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&page)
        .output()
        .expect("groff");
    assert!(rendered.status.success(), "{rendered:?}");
    assert!(rendered.stderr.is_empty(), "groff warned: {rendered:?}");
    let text = Command::new("groff")
        .args(["-man", "-Tascii", "-P", "-c", "-P", "-b", "-P", "-u"])
        .arg(&page)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("NAME"), "{text}");
    assert!(text.contains("okstra-completions(1)"), "{text}");
    assert!(text.contains("--directory"), "{text}");

    let dir = env.root().join("man1");
    fs_err::create_dir(&dir).unwrap();
    let out = okstra(&env, &["man", "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{out}");
    for name in [
        "okstra.1",
        "okstra-ctl.1",
        "okstra-ctl-list.1",
        "okstra-man.1",
    ] {
        let text = fs_err::read_to_string(dir.join(name)).unwrap();
        assert!(text.starts_with(".ie"), "{name}: {text}");
    }
    let ctl_list = fs_err::read_to_string(dir.join("okstra-ctl-list.1")).unwrap();
    assert!(ctl_list.contains("\\-\\-json"), "{ctl_list}");
    assert!(out.stderr.contains("manual pages to"), "{out}");

    let missing = env.root().join("nowhere");
    let out = okstra(&env, &["man", "--out-dir", missing.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("is not a folder"), "{out}");
}
