//! Descendants of workers through the real `okstra` binary and `fake-agent`: a grandchild that
//! holds the pipes, one that left the process group with `setsid`, and the grandchildren of
//! workers that end together — each found, killed and counted for its own worker.

use okstra_test_support::TestEnv;
use serde_json::json;

use crate::common::{FINDINGS, fake, worker_events, write_project, writer};
use crate::run_faults::{assert_no_descendants, project, run};

#[test]
fn grandchild_holding_the_pipes_still_finishes() {
    let env = TestEnv::new();
    let pids = env.root().join("pids");
    project(
        &env,
        fake(&[
            "--grandchild-holds-pipes",
            "--text",
            FINDINGS,
            "--pid-file",
            pids.to_str().unwrap(),
        ]),
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
        fake(&[
            "--setsid-grandchild",
            "--text",
            FINDINGS,
            "--pid-file",
            pids.to_str().unwrap(),
        ]),
        &json!({}),
    );
    let o = run(&env, "x", &[]);
    assert_eq!(o.code, Some(0), "{}", o.stdout);
    assert_eq!(
        worker_events(&o.manifest, "x-worker"),
        ["dispatch", "spawned a1", "collect completed", "reaped a1"]
    );
    let reaped = o.manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["checkpoint"] == "reaped")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reaped.ends_with("descendants=1"), "{reaped}");
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
            fake(&[
                "--setsid-grandchild",
                "--text",
                FINDINGS,
                "--pid-file",
                pids.to_str().unwrap(),
            ]),
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
        let reaped: Vec<String> = o.manifest["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["checkpoint"] == "reaped")
            .map(|e| e["message"].as_str().unwrap().to_owned())
            .filter(|m| m.contains(&format!("worker={worker} ")))
            .collect();
        assert_eq!(reaped.len(), 1, "{worker}: {reaped:?}");
        assert!(reaped[0].ends_with("descendants=1"), "{worker}: {reaped:?}");
        let pids = env.root().join(format!("pids-{name}"));
        assert_eq!(fs_err::read_to_string(&pids).unwrap().lines().count(), 2);
        assert_no_descendants(&o, &pids);
    }
}
