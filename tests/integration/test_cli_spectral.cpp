// Runs the real `dsgdlab spectral` executable as a user would: exit codes, table, JSON.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>

#include "dsgdlab_process.hpp"

namespace {

using dsgdlab_process::run_dsgdlab;

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SpectralCommand, AdpsgdRingRhoInJson) {
  // theory.md §4: AD-PSGD on a ring of 16, uniform initiators, random pairing:
  // ρ = 1 − (1 − cos(2π/16))/16 = 0.995242 (to the 6 decimals given there).
  const auto result =
      run_dsgdlab("spectral --topology ring --workers 16 --algorithm adpsgd --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_NEAR(json["rho"].get<double>(), 0.995242, 1e-6);
  EXPECT_NEAR(json["rho"].get<double>(), 1.0 - (1.0 - std::cos(std::numbers::pi / 8.0)) / 16.0,
              1e-12);  // dense solver, absolute error ~ n·ε
  EXPECT_EQ(json["matrix"], "E[W] nominal");
  EXPECT_EQ(json["pairing"], "random");
  EXPECT_EQ(json["solver_status"], "ok");
  EXPECT_GT(json["rho_bar"].get<double>(), 1.0);
}

TEST(SpectralCommand, DpsgdRingTable) {
  const auto result = run_dsgdlab("spectral --topology ring --workers 16");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* row : {"n               16", "method          dense", "λ_2", "λ_n", "SLEM",
                          "spectral gap", "ρ = SLEM²", "1/(1 − ρ)", "1/(1 − √ρ)²", "solver"}) {
    EXPECT_TRUE(contains(result.output, row)) << row << " missing in\n" << result.output;
  }
  // Metropolis–Hastings on a ring is 1/3 everywhere: λ_2 = (1 + 2cos(2π/16))/3 = 0.949253...
  EXPECT_TRUE(contains(result.output, "0.949253021674")) << result.output;
}

TEST(SpectralCommand, SparseMethodAgreesInJson) {
  const auto result = run_dsgdlab(
      "spectral --topology torus --workers 48 --torus-rows 6 --mixing uniform --method sparse "
      "--json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_EQ(json["solver"], "sparse");
  // 6 × 8 torus, weights 1/5: λ_2 = (1 + 2cos(2π/8) + 2)/5, λ_n = (1 − 2 − 2)/5 = −3/5.
  // Sparse solver tolerance 1e-10 relative; 1e-9 absolute leaves a margin.
  EXPECT_NEAR(json["lambda_2"].get<double>(), (3.0 + 2.0 * std::cos(std::numbers::pi / 4.0)) / 5.0,
              1e-9);
  EXPECT_NEAR(json["lambda_n"].get<double>(), -0.6, 1e-9);
  EXPECT_GT(json["inverse_one_minus_sqrt_rho_squared"].get<double>(), 1.0);
}

TEST(SpectralCommand, UnknownTopologyExitsTwoNamingIt) {
  const auto result = run_dsgdlab("spectral --topology hypercub --workers 16");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--topology (\"hypercub\") is not a known topology"))
      << result.output;
}

TEST(SpectralCommand, BadSizeNamesTheOption) {
  const auto result = run_dsgdlab("spectral --topology hypercube --workers 12");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "--workers (12)")) << result.output;
}

TEST(SpectralCommand, OptionOfTheOtherAlgorithmIsBadInput) {
  const auto result = run_dsgdlab("spectral --topology ring --workers 8 --pairing bipartite");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(
      contains(result.output, "--pairing (\"bipartite\") is only used with --algorithm adpsgd"))
      << result.output;
}

TEST(SpectralCommand, DisconnectedEdgeListExitsTwo) {
  const fs::path file = fs::temp_directory_path() /
                        ("dsgdlab_spectral_disconnected_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(file);
    out << "# two triangles\n0 1\n1 2\n2 0\n3 4\n4 5\n5 3\n";
  }
  const auto result = run_dsgdlab("spectral --topology edge_list --workers 6 --edge-list-file '" +
                                  file.string() + "'");
  fs::remove(file);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_TRUE(contains(result.output, "disconnected")) << result.output;
  EXPECT_TRUE(contains(result.output, "{0, 1, 2}, {3, 4, 5}")) << result.output;
}

TEST(SpectralCommand, NonConvergenceExitsThreeWithTheNumbers) {
  const auto result = run_dsgdlab(
      "spectral --topology ring --workers 2000 --method sparse --max-iterations 1 "
      "--krylov-dimension 3 --tolerance 1e-15");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_TRUE(contains(result.output, "did not converge")) << result.output;
  EXPECT_TRUE(contains(result.output, "spectral gap")) << result.output;
}

}  // namespace
