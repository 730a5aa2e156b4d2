# Every dependency is a Debian package found with find_package; nothing is downloaded.
# scripts/setup installs them.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(Spectra 1.0 REQUIRED)
find_package(Boost 1.74 REQUIRED)            # header-only parts: Boost.Math
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
if(DSGDLAB_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(DSGDLAB_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
