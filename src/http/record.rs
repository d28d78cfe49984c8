//! Metrics recorded from what the core reports: the core counts nothing itself, so every
//! adapter that runs a share (chat, command line) records it here, the same way.

use crate::share::{LimitScope, ShareOutcome, ShareReport, TargetType};
use crate::telemetry::metric;

/// Records one share's issuing call (GetToken, or GetTensorboardSharedUrl for a TensorBoard's
/// shared URL: the `operation` label) with its latency and errors, rate-limit refusals and
/// audit failures. (`INTERACTIONS_TOTAL` is the Discord adapter's: it knows the command.)
pub fn share(report: &ShareReport) {
    if let Some(call) = report.issue_call {
        metrics::histogram!(metric::GETTOKEN_SECONDS, "operation" => call.operation.as_str())
            .record(call.took.as_secs_f64());
    }
    if let Some(failed) = &report.lookup_failure {
        let operation = match failed.target_type {
            TargetType::Job => "GetJob",
            TargetType::Tensorboard => "GetTensorboard",
        };
        metrics::counter!(
            metric::LOOKUP_FAILURES_TOTAL,
            "operation" => operation,
            "code" => failed.code.clone()
        )
        .increment(1);
    }
    match &report.outcome {
        // A look-up that failed closed ends as `upstream_error` too, but no issuing call was
        // made: it is counted above, not here.
        ShareOutcome::Upstream(failure) => {
            if let Some(call) = report.issue_call {
                metrics::counter!(
                    metric::GETTOKEN_ERRORS_TOTAL,
                    "operation" => call.operation.as_str(),
                    "code" => failure.code.clone()
                )
                .increment(1);
            }
        }
        ShareOutcome::RateLimited { scope, .. } => {
            let scope = match scope {
                LimitScope::User => "user",
                LimitScope::Guild => "guild",
            };
            metrics::counter!(metric::RATE_LIMITED_TOTAL, "scope" => scope).increment(1);
        }
        ShareOutcome::Overloaded => metrics::counter!(metric::SHED_TOTAL).increment(1),
        _ => {}
    }
    if report.audit_failures > 0 {
        metrics::counter!(metric::AUDIT_WRITE_FAILURES_TOTAL)
            .increment(report.audit_failures.into());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use metrics_exporter_prometheus::PrometheusBuilder;

    use super::*;
    use crate::share::IssueCall;
    use crate::share::ports::{IssueFailure, IssueFailureKind, IssueOperation};

    fn upstream(code: &str, call: Option<IssueOperation>) -> ShareReport {
        let mut report = ShareReport::new(ShareOutcome::Upstream(IssueFailure {
            kind: IssueFailureKind::Unauthorized,
            code: code.into(),
            message: "refused".into(),
            request_id: None,
        }));
        report.issue_call = call.map(|operation| IssueCall {
            operation,
            took: Duration::from_millis(20),
        });
        report
    }

    /// Each issuing call is counted under its own name; an `upstream_error` that made no
    /// issuing call (a look-up that failed closed) is not counted as one.
    #[test]
    fn issuing_calls_are_counted_by_operation() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            share(&upstream(
                "Forbidden.RAM",
                Some(IssueOperation::GetTensorboardSharedUrl),
            ));
            share(&upstream("Throttling.User", Some(IssueOperation::GetToken)));
            share(&upstream("Forbidden.RAM.Lookup", None));
        });
        let page = handle.render();
        let value = |name: &str, labels: &[&str]| {
            page.lines()
                .find(|l| {
                    l.starts_with(&format!("{name}{{")) && labels.iter().all(|x| l.contains(x))
                })
                .and_then(|l| l.rsplit(' ').next())
                .map(str::to_owned)
        };
        for (operation, code) in [
            ("GetTensorboardSharedUrl", "Forbidden.RAM"),
            ("GetToken", "Throttling.User"),
        ] {
            let operation = format!("operation=\"{operation}\"");
            let code = format!("code=\"{code}\"");
            assert_eq!(
                value(metric::GETTOKEN_ERRORS_TOTAL, &[&operation, &code]).as_deref(),
                Some("1"),
                "{page}"
            );
            assert_eq!(
                value(
                    &format!("{}_count", metric::GETTOKEN_SECONDS),
                    &[&operation]
                )
                .as_deref(),
                Some("1"),
                "{page}"
            );
        }
        assert!(!page.contains("Forbidden.RAM.Lookup"), "{page}");
    }
}
