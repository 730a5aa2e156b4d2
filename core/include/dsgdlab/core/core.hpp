#pragma once

/// Convenience header: everything in dsgdlab::core.

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/status.hpp"
#include "dsgdlab/core/types.hpp"
#include "dsgdlab/core/version.hpp"
