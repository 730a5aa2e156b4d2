#include "dsgdlab/experiments/cli.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/version.hpp"

namespace dsgdlab {

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"dsgdlab: exact distributed SGD algorithms, measured against their theory",
               "dsgdlab"};
  app.set_version_flag("--version", std::string("dsgdlab ") + kVersion);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kExitBadInput;
  }
  return kExitSuccess;
}

}  // namespace dsgdlab
