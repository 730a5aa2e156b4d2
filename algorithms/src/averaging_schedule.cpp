#include "dsgdlab/algorithms/averaging_schedule.hpp"

namespace dsgdlab {

AveragingSchedule::AveragingSchedule(const RunSetup& setup) {
  const int n = setup.problem->num_workers();
  const auto periods = setup.algorithm.averaging_periods();
  for (std::size_t l = 0; l < periods.size(); ++l) {
    AveragingLevel level{.period = periods[l], .clusters = {}};
    if (l + 1 == periods.size()) {
      std::vector<int> everyone(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) everyone[static_cast<std::size_t>(i)] = i;
      level.clusters.push_back(std::move(everyone));
    } else {
      level.clusters = setup.grouping.levels[l].members;
    }
    levels_.push_back(std::move(level));
  }
}

int AveragingSchedule::level_after_step(std::int64_t t) const {
  for (int l = static_cast<int>(levels_.size()) - 1; l >= 0; --l) {
    if (t % levels_[static_cast<std::size_t>(l)].period == 0) return l;
  }
  return -1;
}

}  // namespace dsgdlab
