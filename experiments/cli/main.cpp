#include <iostream>

#include "dsgdlab/experiments/cli.hpp"

int main(int argc, char** argv) { return dsgdlab::run_cli(argc, argv, std::cout, std::cerr); }
