// The API's TLS files (`api.tls: {certificate, private_key}`): read with the checks of a secret
// key (the private key: regular file, no symbolic link, owned by the running user or root, no
// group/other permission) and parsed once, so a bad pair fails --check-config, not the first
// client.
#pragma once

#include <string>

#include "collector/api/http_server_options.hpp"

namespace pathwatch::collector {

// Throws shared::ConfigError naming the file: unreadable, a FIFO or link (the key), a key
// others may read, not PEM, or a key that does not belong to the certificate.
HttpServerOptions::Tls load_api_tls(const std::string& certificate_file,
                                    const std::string& private_key_file);

}  // namespace pathwatch::collector
