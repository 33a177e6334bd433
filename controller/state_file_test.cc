// The durable state file: its encoding (format, version, checksum), what
// a damaged file gives, and atomic writes that a crash cannot tear.
#include <config.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "state_file.h"

using namespace cxxa::controller;
using nlohmann::json;

namespace {

struct TempDir {
    std::string path;
    TempDir()
    {
        char t[] = "/tmp/cxxa-state-test-XXXXXX";
        path = mkdtemp(t);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::string slurp(const std::string &path)
{
    std::string text, error;
    EXPECT_TRUE(read_text_file(path, text, error)) << error;
    return text;
}

// decode_state's errors for 'text' ("" if it decoded).
std::string decode_errors(const std::string &text)
{
    std::vector<std::string> lines;
    Errors e(lines);
    json apps = "untouched";
    bool ok = decode_state(text, apps, e);
    EXPECT_EQ(ok, lines.empty());
    if (!ok) {
        EXPECT_EQ(apps, "untouched");
    }
    std::string all;
    for (const std::string &l : lines) {
        all += l + "\n";
    }
    return all;
}

const json kApps = {{"amd", {{"servers", json::array()}}},
                    {"nat", {{"routers", {{{"router", "r1"}}}}}}};

}  // namespace

TEST(StateFileTest, RoundTrip)
{
    std::string text = encode_state(kApps);
    json doc = json::parse(text);
    EXPECT_EQ(doc["format"], "cxxa-controller-state");
    EXPECT_EQ(doc["version"], 1);
    EXPECT_EQ(doc["sha1"].get<std::string>().size(), 40u);
    std::vector<std::string> lines;
    Errors e(lines);
    json apps;
    ASSERT_TRUE(decode_state(text, apps, e));
    EXPECT_EQ(apps, kApps);
}

TEST(StateFileTest, DamagedFilesAreRefusedNamingTheField)
{
    const std::string good = encode_state(kApps);
    json doc = json::parse(good);

    EXPECT_EQ(decode_errors(""), "(file): empty (truncated?)\n");
    EXPECT_EQ(decode_errors(good.substr(0, good.size() / 2)),
              "(file): not valid JSON (truncated?)\n");
    EXPECT_EQ(decode_errors("[1]"), "(file): must be a JSON object\n");

    json v = doc;
    v["version"] = 2;
    EXPECT_EQ(decode_errors(v.dump()),
              "version: 2 is not supported (this controller reads version "
              "1)\n");
    json f = doc;
    f["format"] = "something-else";
    EXPECT_EQ(decode_errors(f.dump()),
              "format: \"something-else\" is not a controller state file "
              "(expected \"cxxa-controller-state\")\n");
    json u = doc;
    u["extra"] = 1;
    EXPECT_EQ(decode_errors(u.dump()), "extra: unknown field\n");
    json m = doc;
    m.erase("sha1");
    EXPECT_NE(decode_errors(m.dump()).find("sha1: required"),
              std::string::npos);
    /* A value changed by hand: the checksum no longer matches. */
    json edited = doc;
    edited["apps"]["nat"]["routers"][0]["router"] = "r2";
    EXPECT_EQ(decode_errors(edited.dump()),
              "sha1: does not match the sections: the file was changed or "
              "damaged since it was written\n");
}

TEST(StateFileTest, AtomicWriteReplacesTheFile)
{
    TempDir d;
    const std::string path = d.path + "/state.json";
    std::string error;
    ASSERT_TRUE(write_file_atomic(path, "one\n", error)) << error;
    ASSERT_TRUE(write_file_atomic(path, "two\n", error)) << error;
    EXPECT_EQ(slurp(path), "two\n");
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(StateFileTest, CrashBetweenWriteAndRenameLeavesTheOldFile)
{
    TempDir d;
    const std::string path = d.path + "/state.json";
    std::string error;
    const std::string old_text = encode_state(kApps);
    ASSERT_TRUE(write_file_atomic(path, old_text, error)) << error;

    bool reached = false;
    EXPECT_FALSE(
        write_file_atomic(path, encode_state(json::object()), error, [&] {
            reached = true;
            return false; /* "Crash" here. */
        }));
    EXPECT_TRUE(reached);
    /* The new text is complete in the temporary file; the file itself is
     * the old one, whole, and still decodes. */
    EXPECT_TRUE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(slurp(path), old_text);
    EXPECT_EQ(decode_errors(slurp(path)), "");

    /* The next write goes through despite the leftover. */
    ASSERT_TRUE(write_file_atomic(path, "three\n", error)) << error;
    EXPECT_EQ(slurp(path), "three\n");
}

TEST(StateFileTest, WriteIntoMissingDirectoryFailsWithTheReason)
{
    std::string error;
    EXPECT_FALSE(write_file_atomic("/nonexistent-dir/state.json", "x", error));
    EXPECT_NE(error.find("/nonexistent-dir/state.json.tmp"), std::string::npos)
        << error;
}
