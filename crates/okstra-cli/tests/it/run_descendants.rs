//! Descendants of workers through the real `okstra` binary and `fake-agent`: a grandchild that
//! holds the pipes, one that left the process group with `setsid`, and the grandchildren of
//! workers that end together — each found, killed and counted for its own worker.

use okstra_test_support::TestEnv;
use serde_json::json;

use crate::common::{FINDINGS, fake, worker_events, write_project, writer};
use crate::run_faults::{assert_no_descendants, project, run};

/// Returns an agent whose worker starts a grandchild the way `mode` says (a `fake-agent`
/// flag), answers with findings and writes its own and its grandchild's pids to `pids`.
fn agent_with_grandchild(mode: &str, pids: &std::path::Path) -> serde_json::Value {
    fake(&[
        mode,
        "--text",
        FINDINGS,
        "--pid-file",
        pids.to_str().unwrap(),
    ])
}

/// Returns the messages of the `reaped` events of `worker`.
fn reaped(manifest: &serde_json::Value, worker: &str) -> Vec<String> {
    manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["checkpoint"] == "reaped")
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .filter(|m| m.contains(&format!("worker={worker} ")))
        .collect()
}

#[test]
fn grandchild_holding_the_pipes_still_finishes() {
    let env = TestEnv::new();
    let pids = env.root().join("pids");
    project(
        &env,
        agent_with_grandchild("--grandchild-holds-pipes", &pids),
        &json!({}),
    );
    let o = run(&env, "x", &[]);
    assert_eq!(o.code, Some(0), "{}", o.stdout);
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        ["dispatch", "spawned a1", "collect completed", "reaped a1"]
    );
    assert_eq!(fs_err::read_to_string(&pids).unwrap().lines().count(), 2);
    assert_no_descendants(&o, &pids);
}

#[test]
fn grandchild_escaped_with_setsid_is_killed() {
    let env = TestEnv::new();
    let pids = env.root().join("pids");
    project(
        &env,
        agent_with_grandchild("--setsid-grandchild", &pids),
        &json!({}),
    );
    let o = run(&env, "x", &[]);
    assert_eq!(o.code, Some(0), "{}", o.stdout);
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        ["dispatch", "spawned a1", "collect completed", "reaped a1"]
    );
    let reaped = reaped(&o.manifest, "x-worker");
    assert_eq!(reaped.len(), 1, "{reaped:?}");
    assert!(reaped[0].ends_with("descendants=1"), "{reaped:?}");
    assert_eq!(fs_err::read_to_string(&pids).unwrap().lines().count(), 2);
    assert_no_descendants(&o, &pids);
}

/// Workers that end together have their sweeps for escaped descendants done together (one pass
/// over `/proc` serves them all): each still finds and counts its own grandchild only.
#[test]
fn grandchildren_of_workers_ending_together_are_each_found_by_their_own_sweep() {
    let env = TestEnv::new();
    let names = ["a", "b", "c", "d"];
    let mut agents = serde_json::Map::new();
    for name in names {
        let pids = env.root().join(format!("pids-{name}"));
        agents.insert(
            name.to_owned(),
            agent_with_grandchild("--setsid-grandchild", &pids),
        );
    }
    agents.insert("writer".to_owned(), writer());
    write_project(
        &env,
        &json!({"projectId": "shop", "killGrace": "200ms",
            "roles": {"report-writer": "writer"}, "agents": agents}),
    );
    let o = run(&env, "a,b,c,d", &[]);
    assert_eq!(o.code, Some(0), "{}", o.stdout);
    for name in names {
        let worker = format!("{name}-worker");
        let reaped = reaped(&o.manifest, &worker);
        assert_eq!(reaped.len(), 1, "{worker}: {reaped:?}");
        assert!(reaped[0].ends_with("descendants=1"), "{worker}: {reaped:?}");
        let pids = env.root().join(format!("pids-{name}"));
        assert_eq!(fs_err::read_to_string(&pids).unwrap().lines().count(), 2);
        assert_no_descendants(&o, &pids);
    }
}
