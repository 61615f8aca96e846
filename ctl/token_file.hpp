// pathwatchctl's --token-file: the bearer token, read like a secret (never from an argument,
// where `ps` would show it).
#pragma once

#include <string>

namespace pathwatch::ctl {

// The file's content without surrounding white space. Throws shared::UsageError when the path
// is a symbolic link, a FIFO, a directory or a device (a FIFO would block the read forever),
// grants group or others any access (mode & 0077: the token is a password), is empty, or is
// larger than 4 KiB.
std::string read_token_file(const std::string& path);

}  // namespace pathwatch::ctl
