//! Rendering the one result tree: terminal text, JSON, JUnit XML.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{GoldenVerdict, Report, ScenarioResult, Verdict};

/// One progress line per scenario.
pub fn progress_line(r: &ScenarioResult) -> String {
    let mark = match r.verdict {
        Verdict::Passed => "ok  ",
        Verdict::Failed => "FAIL",
        Verdict::Skipped => "skip",
    };
    let mut line = format!("{mark} {} ({} steps, {:.0} ms)", r.id, r.steps.len(), r.elapsed_ms);
    if let Some(why) = &r.skip_reason {
        line.push_str(&format!(": {why}"));
    }
    line
}

/// The terminal report: failures with file:line and step, known deviations, stale ledger
/// entries, coverage and the summary.
pub fn text(rep: &Report) -> String {
    let mut out = String::new();
    let failed: Vec<&ScenarioResult> =
        rep.scenarios.iter().filter(|s| s.verdict == Verdict::Failed).collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nFailures:");
        for s in failed {
            let _ = writeln!(out, "  {} — {}", s.id, s.name);
            for f in s.all_failures() {
                let _ = writeln!(out, "    {f}");
            }
        }
    }
    let known: Vec<String> = rep
        .scenarios
        .iter()
        .flat_map(|s| s.steps.iter())
        .filter_map(|st| match &st.golden {
            GoldenVerdict::Known { reason, diffs } => {
                Some(format!("  {}: {reason} ({} differences)", st.id, diffs.len()))
            }
            _ => None,
        })
        .chain(
            rep.scenarios
                .iter()
                .flat_map(|s| s.steps.iter())
                .flat_map(|st| st.known_failures.iter().map(move |k| format!("  {}: {k}", st.id))),
        )
        .collect();
    if !known.is_empty() {
        let _ = writeln!(out, "\nKnown deviations (ledger):");
        for k in known {
            let _ = writeln!(out, "{k}");
        }
    }
    if !rep.stale_ledger.is_empty() {
        let _ = writeln!(out, "\nLedger entries that no longer differ (remove them):");
        for d in &rep.stale_ledger {
            let _ = writeln!(out, "  {}: {}", d.step, d.reason);
        }
    }
    if !rep.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for n in &rep.notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    if let Some(cov) = &rep.coverage {
        let covered = cov.iter().filter(|c| c.steps > 0).count();
        let _ = writeln!(
            out,
            "\nCoverage of {} routes: {covered}/{} have a scenario step",
            rep.device,
            cov.len()
        );
        let w = cov.iter().map(|c| c.resource.len()).max().unwrap_or(8).max(8);
        let _ = writeln!(out, "  {:<w$}  {:<8}  steps", "resource", "action");
        for c in cov {
            let mark = if c.steps == 0 { "  <- none" } else { "" };
            let _ = writeln!(out, "  {:<w$}  {:<8}  {:>5}{mark}", c.resource, c.action, c.steps);
        }
    }
    let s = &rep.summary;
    let _ = writeln!(
        out,
        "\n{} against {}{}: {} scenarios, {} passed, {} failed, {} skipped; {} steps; {} known deviations; {:.2} s",
        rep.device,
        rep.target,
        rep.profile.as_deref().map(|p| format!(" [{p}]")).unwrap_or_default(),
        s.scenarios,
        s.passed,
        s.failed,
        s.skipped,
        s.steps,
        s.known_deviations,
        rep.elapsed_ms / 1000.0
    );
    let _ = writeln!(out, "{} passed, {} failed, {} skipped", s.passed, s.failed, s.skipped);
    out
}

pub fn json(rep: &Report) -> String {
    serde_json::to_string_pretty(rep).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// JUnit XML: one suite per scenario, one test case per step.
pub fn junit(rep: &Report) -> Result<String, String> {
    let mut jr = JReport::new(format!("conform {}", rep.device));
    for s in &rep.scenarios {
        let mut suite = TestSuite::new(s.id.clone());
        if s.verdict == Verdict::Skipped || s.steps.is_empty() {
            let status = match s.verdict {
                Verdict::Skipped => {
                    let mut st = TestCaseStatus::skipped();
                    if let TestCaseStatus::Skipped { message, .. } = &mut st {
                        *message = s.skip_reason.clone().map(Into::into);
                    }
                    st
                }
                Verdict::Passed => TestCaseStatus::success(),
                Verdict::Failed => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    let msg = s.all_failures().map(|f| f.to_string()).collect::<Vec<_>>().join("\n");
                    st.set_message(msg);
                    st
                }
            };
            let mut tc = TestCase::new(s.name.clone(), status);
            tc.set_classname(s.id.clone());
            suite.add_test_case(tc);
        }
        for st in &s.steps {
            let status = if st.failures.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut x = TestCaseStatus::non_success(NonSuccessKind::Failure);
                x.set_message(st.failures.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"));
                x
            };
            let mut tc = TestCase::new(format!("{} {}", st.index, st.name), status);
            tc.set_classname(s.id.clone());
            tc.set_time(std::time::Duration::from_secs_f64(st.elapsed_ms.max(0.0) / 1000.0));
            suite.add_test_case(tc);
        }
        for f in &s.failures {
            let mut x = TestCaseStatus::non_success(NonSuccessKind::Failure);
            x.set_message(f.to_string());
            let mut tc = TestCase::new("scenario", x);
            tc.set_classname(s.id.clone());
            suite.add_test_case(tc);
        }
        jr.add_test_suite(suite);
    }
    jr.to_string().map_err(|e| format!("cannot render JUnit XML: {e}"))
}
