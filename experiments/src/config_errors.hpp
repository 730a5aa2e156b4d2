#pragma once

// Error messages of the configuration reader and builder (private to dsgdlab::experiments):
// every InputError about a configuration becomes "FILE:LINE: message", with the component
// field names of the message ("quadratic.dim") replaced by configuration keys ("problem.dim").

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/run_config.hpp"

namespace dsgdlab::config_errors {

/// An error whose line is already known (thrown by the readers, turned into a FileFormatError
/// by the parser).
class LocatedError : public InputError {
 public:
  LocatedError(std::size_t line, const std::string& message) : InputError(message), line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

/// Replaces the component field names in `message` by the configuration keys that set them:
/// "quadratic.num_groups" → "problem.groups", "gaussian_mixture.num_samples" → "data.samples",
/// "topology.num_workers" → "run.workers", ... Only whole names are replaced.
std::string to_config_keys(std::string message);

/// Throws the error for `message` about `config`: FileFormatError(config.file, line,
/// to_config_keys(message)), where line is that of the message's leading key when it names a
/// recorded key, else that of `fallback_key` (and then "fallback_key: " is prepended to a
/// message that does not start with a key). A plain InputError when config.file is empty.
[[noreturn]] void throw_config_error(const RunConfig& config, const std::string& message,
                                     std::string_view fallback_key = {});

/// Throws `message` as is, at the line of `key` ("FILE:LINE: message"; plain when
/// config.file is empty).
[[noreturn]] void throw_at(const RunConfig& config, std::string_view key,
                           const std::string& message);

/// Runs `action`; an InputError it throws is rethrown through throw_config_error(config, what,
/// fallback_key), unless it is already a FileFormatError about config.file.
template <typename Action>
decltype(auto) with_context(const RunConfig& config, std::string_view fallback_key,
                            Action&& action) {
  try {
    return std::forward<Action>(action)();
  } catch (const FileFormatError& error) {
    if (!config.file.empty() && error.file() == config.file) throw;
    throw_config_error(config, error.what(), fallback_key);
  } catch (const InputError& error) {
    throw_config_error(config, error.what(), fallback_key);
  }
}

}  // namespace dsgdlab::config_errors
