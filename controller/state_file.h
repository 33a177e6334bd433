// state_file.h: the controller's durable state file (--state=FILE) and
// atomic file writes.
//
// The file is one JSON object:
//
//   {"format": "cxxa-controller-state", "version": 1,
//    "apps": {NAME: SECTION, ...}, "sha1": HEX}
//
// where each SECTION is what an application's App::save_state() returned
// and "sha1" is the SHA-1 of apps.dump() (nlohmann's compact dump, keys
// sorted), so a file edited by hand or cut short is refused.  The core
// owns the file; it knows no application by name.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "json_check.h"

namespace cxxa::controller {

constexpr const char *kStateFormat = "cxxa-controller-state";
constexpr int kStateVersion = 1;

// The file's text for the sections 'apps' (an object).
std::string encode_state(const nlohmann::json &apps);
// Parses a state file's text into 'apps'.  Errors ("FIELD: why", FIELD
// from the document's root) for bad JSON, unknown keys, a wrong format or
// version, a checksum that does not match.  'apps' is set only on success.
bool decode_state(const std::string &text, nlohmann::json &apps, Errors &);

// Reads 'path' (at most 16 MiB).  False with 'error' if it cannot.
bool read_text_file(const std::string &path, std::string &text,
                    std::string &error);

// Writes 'text' to 'path' atomically: PATH.tmp in the same directory is
// written and fsync'd, renamed over 'path', then the directory is
// fsync'd.  A crash at any point leaves either the old file or the new
// one.  'before_rename' (tests) runs after the temporary file is complete;
// if it returns false the write stops there, as a crash would, and false
// is returned with the temporary file left in place.
bool write_file_atomic(const std::string &path, const std::string &text,
                       std::string &error,
                       const std::function<bool()> &before_rename = {});

}  // namespace cxxa::controller
