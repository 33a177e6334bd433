// state_file.cc: see state_file.h.
#include <config.h>

#include "state_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

extern "C" {
#include "sha1.h"
}

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr size_t kMaxFileSize = 16 << 20;

std::string sha1_hex(const std::string &text)
{
    uint8_t digest[SHA1_DIGEST_SIZE];
    char hex[SHA1_HEX_DIGEST_LEN + 1];
    sha1_bytes(text.data(), text.size(), digest);
    sha1_to_hex(digest, hex);
    return hex;
}

// The directory part of 'path' ("." if none).
std::string dir_of(const std::string &path)
{
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash ? path.substr(0, slash) : "/";
}

}  // namespace

std::string encode_state(const json &apps)
{
    json doc = {{"format", kStateFormat},
                {"version", kStateVersion},
                {"apps", apps},
                {"sha1", sha1_hex(apps.dump())}};
    return doc.dump(2) + "\n";
}

bool decode_state(const std::string &text, json &apps, Errors &e)
{
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
        e.add("(file)", text.empty() ? "empty (truncated?)"
                                     : "not valid JSON (truncated?)");
        return false;
    }
    if (!doc.is_object()) {
        e.add("(file)", "must be a JSON object");
        return false;
    }
    size_t before = e.count();
    Checked c = check(doc, "",
                      {required("format", JsonType::kString,
                                std::string("\"") + kStateFormat + "\""),
                       integer("version", 0, 1 << 30, true),
                       required("apps", JsonType::kObject,
                                "an object of application sections"),
                       required("sha1", JsonType::kString,
                                "the SHA-1 of the sections, in hex")},
                      e);
    if (!c.ok()) {
        return false;
    }
    if (doc["format"] != kStateFormat) {
        e.add("format", "\"" + doc["format"].get<std::string>()
                            + "\" is not a controller state file (expected \""
                            + kStateFormat + "\")");
    } else if (doc["version"] != kStateVersion) {
        e.add("version", std::to_string(doc["version"].get<long long>())
                             + " is not supported (this controller reads "
                               "version "
                             + std::to_string(kStateVersion) + ")");
    } else if (doc["sha1"] != sha1_hex(doc["apps"].dump())) {
        e.add("sha1", "does not match the sections: the file was changed "
                      "or damaged since it was written");
    }
    if (e.count() != before) {
        return false;
    }
    apps = doc["apps"];
    return true;
}

bool read_text_file(const std::string &path, std::string &text,
                    std::string &error)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open: " + strerror(errno);
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    if (text.size() > kMaxFileSize) {
        error = path + ": larger than 16 MiB";
        return false;
    }
    return true;
}

bool write_file_atomic(const std::string &path, const std::string &text,
                       std::string &error,
                       const std::function<bool()> &before_rename)
{
    const std::string tmp = path + ".tmp";
    FILE *f = fopen(tmp.c_str(), "w");
    if (!f) {
        error = tmp + ": " + strerror(errno);
        return false;
    }
    bool ok = fwrite(text.data(), 1, text.size(), f) == text.size()
              && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        error = tmp + ": " + strerror(saved ? saved : errno);
        unlink(tmp.c_str());
        return false;
    }
    if (before_rename && !before_rename()) {
        error = tmp + ": stopped before the rename";
        return false;
    }
    if (rename(tmp.c_str(), path.c_str())) {
        error = path + ": " + strerror(errno);
        unlink(tmp.c_str());
        return false;
    }
    /* The rename is durable once the directory is. */
    const std::string dir = dir_of(path);
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd)) {
        error = dir + ": cannot sync the directory: " + strerror(errno);
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    close(fd);
    return true;
}

}  // namespace cxxa::controller
