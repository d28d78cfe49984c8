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
