//! A final-verification run outside git (SPEC §8: provisioning degrades, runs use the project
//! root): the stages were done in the project root, so there is nothing to merge; okstra's
//! commands run on the root, the verifiers answer, and the verdict records no head.

use okstra_test_support::TestEnv;
use serde_json::json;

use crate::final_verification::{
    all_done, assert_valid, clean_verifiers, record, run_fv, set_verifiers,
};
use crate::stage_kit::four_stages;

#[test]
fn outside_git_the_done_stages_are_verified_in_the_project_root() {
    let env = TestEnv::new_non_git();
    for program in ["sh", "dirname", "cat", "mkdir", "head"] {
        let target = okstra_test_support::test_env::host_program(program);
        std::os::unix::fs::symlink(target, env.bin().join(program)).unwrap();
    }
    let mut stages = four_stages();
    stages.truncate(2);
    all_done(&env, &stages);
    set_verifiers(&env, &clean_verifiers(), &json!({"test": "sh tests/t2.sh"}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    let r = record(&env, 1);
    assert_eq!(r["verdict"], "accepted");
    assert_eq!(r["verifiedHead"], "");
    assert_eq!(r["taskBranch"], "");
    let stages: Vec<(u64, &str)> = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["stage"].as_u64().unwrap(), s["branch"].as_str().unwrap()))
        .collect();
    assert_eq!(stages, [(1, ""), (2, "")]);
    assert_eq!(r["commands"][0]["command"], "sh tests/t2.sh");
    assert_eq!(r["commands"][0]["exitCode"], 0);
    assert_eq!(r["commands"][0]["commit"], "(no git)");
    assert_valid(&env, 1);
}
