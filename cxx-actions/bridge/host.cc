// host.cc: the host's clock, wake-up and state directory (host.h).
#include "host.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "cxx-actions.h"

namespace cxxa {

namespace {

std::atomic<long long int (*)(void)> host_clock{nullptr};
std::atomic<void (*)(void)> host_wake{nullptr};
std::atomic<const int64_t *> test_clock{nullptr};
std::atomic<void (*)(int, const char *)> host_logger{nullptr};
std::string dir;  // Set before any bridge exists, then only read.
std::string last;

}  // namespace

int64_t now_ms()
{
    if (auto *clock = host_clock.load(std::memory_order_relaxed)) {
        return clock();
    }
    if (const int64_t *t = test_clock.load(std::memory_order_relaxed)) {
        return *t;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void wake_host()
{
    if (auto *wake = host_wake.load(std::memory_order_relaxed)) {
        wake();
    }
}

const std::string &state_dir() { return dir; }

void host_log(int level, const std::string &message)
{
    if (auto *log = host_logger.load(std::memory_order_relaxed)) {
        log(level, message.c_str());
    } else {
        last = message;
    }
}

std::string last_log() { return last; }

void set_host(const cxxa_host *host)
{
    host_clock = host ? host->time_msec : nullptr;
    host_wake = host ? host->wake : nullptr;
    host_logger = host ? host->log : nullptr;
    dir = host && host->state_dir ? host->state_dir : "";
}

void set_test_clock(const int64_t *now) { test_clock = now; }

void set_state_dir(const std::string &d) { dir = d; }

std::string state_file(std::string_view prefix, std::string_view bridge,
                       std::string_view suffix)
{
    std::string name(prefix);
    name += '.';
    for (unsigned char c : bridge) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
            name += char(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02x", c);
            name += hex;
        }
    }
    name += '.';
    name += suffix;
    return name;
}

}  // namespace cxxa
