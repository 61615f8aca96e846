// The verdict as JSON for the API and the store: field names are the struct's, enums are
// lower-case words (verdict.hpp to_string), times are integer UTC nanoseconds.
#pragma once

#include <string>

#include "collector/isolation/verdict.hpp"

namespace pathwatch::collector::isolation {

std::string verdict_to_json(const Verdict& verdict);

}  // namespace pathwatch::collector::isolation
