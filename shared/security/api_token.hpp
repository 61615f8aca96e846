// API bearer tokens: 256 random bits, shown once when made; the collector keeps only their
// SHA-256 and compares digests in constant time, so its token file is no password list.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pathwatch::shared {

using TokenDigest = std::array<std::uint8_t, 32>;  // SHA-256

// Every token starts with this, so a leaked one is easy to recognise (and to grep for).
inline constexpr std::string_view kApiTokenPrefix = "pwt_";

// "pwt_" + 64 lowercase hex digits of 32 bytes from OpenSSL's CSPRNG (RAND_bytes). Throws
// std::runtime_error when the generator fails.
std::string generate_api_token();

// SHA-256 of the token text as presented (OpenSSL EVP).
TokenDigest api_token_digest(std::string_view token);

std::string digest_hex(const TokenDigest& digest);
// 64 hex digits (either case) -> digest; nullopt otherwise.
std::optional<TokenDigest> parse_digest_hex(std::string_view hex);

// Constant time in the digest (CRYPTO_memcmp): the time taken says nothing about how many
// leading bytes matched.
bool digests_equal(const TokenDigest& a, const TokenDigest& b);

// A token name: 1-64 characters of [A-Za-z0-9._@-] (it appears in logs and the audit trail).
bool is_valid_token_name(std::string_view name);

}  // namespace pathwatch::shared
