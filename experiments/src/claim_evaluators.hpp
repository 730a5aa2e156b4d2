#pragma once

// The evaluator of each verdict kind (private to dsgdlab::experiments; dispatched by
// evaluate_claim, claim_evaluation.cpp): each reads its claim's keys from the context, the
// metrics from the selected runs, and returns the verdict.

#include "claim_context.hpp"
#include "dsgdlab/analysis/verdicts/verdict.hpp"

namespace dsgdlab::claims {

// rate_claims.cpp
/// A `rate` claim: per replicate the series (x, final_r) → slope_verdict.
Verdict evaluate_rate(const ClaimContext& context);
/// A `linear_speedup` claim: per replicate (x, time to target) → slope_verdict.
Verdict evaluate_linear_speedup(const ClaimContext& context);

// bound_claims.cpp
/// A `bound_holds` claim: bounds.csv R(K) and the bound's column → bound_holds_verdict.
Verdict evaluate_bound_holds(const ClaimContext& context);
/// A `sandwich` claim: final R(K) of the inner, hierarchical and outer points and their
/// bounds → sandwich_verdict.
Verdict evaluate_sandwich(const ClaimContext& context);

// heterogeneity_claims.cpp
/// A `heterogeneity_robustness` claim: time to target against slowdown per algorithm →
/// heterogeneity_verdict.
Verdict evaluate_heterogeneity(const ClaimContext& context);

// exactness_claims.cpp
/// An `exactness` claim: same_trace, divergence_identity and spectral checks →
/// exactness_verdict.
Verdict evaluate_exactness(const ClaimContext& context);

}  // namespace dsgdlab::claims
