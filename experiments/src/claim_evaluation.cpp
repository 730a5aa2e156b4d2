#include "dsgdlab/experiments/claim_evaluation.hpp"

#include <stdexcept>
#include <vector>

#include "claim_context.hpp"
#include "claim_evaluators.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

ClaimVerdict evaluate_claim(const SuiteResults& suite, const SuiteResultsClaim& claim) {
  const claims::ClaimContext context(suite, claim);
  ClaimVerdict result;
  result.name = claim.name;
  result.kind = claim.verdict;
  result.description = context.text("description", "");
  try {
    if (claim.verdict == "rate") {
      result.verdict = claims::evaluate_rate(context);
    } else if (claim.verdict == "linear_speedup") {
      result.verdict = claims::evaluate_linear_speedup(context);
    } else if (claim.verdict == "bound_holds") {
      result.verdict = claims::evaluate_bound_holds(context);
    } else if (claim.verdict == "heterogeneity_robustness") {
      result.verdict = claims::evaluate_heterogeneity(context);
    } else if (claim.verdict == "sandwich") {
      result.verdict = claims::evaluate_sandwich(context);
    } else if (claim.verdict == "exactness") {
      result.verdict = claims::evaluate_exactness(context);
    } else {
      throw context.error("verdict", "(\"" + claim.verdict +
                                         "\") must be rate, linear_speedup, bound_holds, "
                                         "heterogeneity_robustness, sandwich or exactness");
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::invalid_argument& e) {  // a verdict or statistics function refused
    throw context.error(e.what());
  }
  return result;
}

std::vector<ClaimVerdict> evaluate_claims(const SuiteResults& suite) {
  std::vector<ClaimVerdict> verdicts;
  for (const SuiteResultsClaim& claim : suite.claims)
    verdicts.push_back(evaluate_claim(suite, claim));
  return verdicts;
}

}  // namespace dsgdlab
