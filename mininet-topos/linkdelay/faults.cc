// The fault model of a linkdelay direction: see faults.h.
#include "faults.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace linkdelay {

void Faults::set_loss(double p, double corr)
{
    loss_ge = false;
    loss = p;
    loss_corr = corr;
    ge_p = p * (1 - corr);
    ge_r = (1 - p) * (1 - corr);
    ge_h = 0;
    ge_k = 1;
}

void Faults::set_loss_ge(double p, double r, double h, double k)
{
    loss_ge = true;
    ge_p = p;
    ge_r = r;
    ge_h = h;
    ge_k = k;
    loss = loss_rate();
    loss_corr = 0;
}

double Faults::loss_rate() const
{
    double bad = ge_p + ge_r > 0 ? ge_p / (ge_p + ge_r) : 0;
    return bad * (1 - ge_h) + (1 - bad) * (1 - ge_k);
}

std::string Faults::to_string() const
{
    char buf[256];
    std::string s;
    if (loss_ge) {
        snprintf(buf, sizeof buf, "loss-ge=%g/%g/%g/%g", ge_p, ge_r, ge_h,
                 ge_k);
    } else {
        snprintf(buf, sizeof buf, "loss=%g/%g", loss, loss_corr);
    }
    s = buf;
    snprintf(buf, sizeof buf, ",dup=%g,reorder=%g/%lld,jitter=%lld", dup,
             reorder, (long long) (reorder_extra / 1000),
             (long long) (jitter / 1000));
    return s + buf;
}

namespace {

std::vector<std::string> split(const std::string &s, char sep)
{
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t i = s.find(sep, start);
        out.push_back(s.substr(start, i - start));
        if (i == std::string::npos) {
            return out;
        }
        start = i + 1;
    }
}

bool parse_double(const std::string &s, double lo, double hi, double &out)
{
    if (s.empty()) {
        return false;
    }
    char *end;
    errno = 0;
    double v = strtod(s.c_str(), &end);
    if (errno || *end || !std::isfinite(v) || v < lo || v > hi) {
        return false;
    }
    out = v;
    return true;
}

// Microseconds, 0 to 100 s, as nanoseconds.
bool parse_us(const std::string &s, Nanos &out)
{
    double v;
    if (!parse_double(s, 0, 100e6, v) || v != std::floor(v)) {
        return false;
    }
    out = Nanos(v) * 1000;
    return true;
}

}  // namespace

std::optional<std::string> parse_faults(const std::string &spec, Faults &f)
{
    Faults n = f;
    if (spec.empty()) {
        return "empty fault list";
    }
    for (const std::string &item : split(spec, ',')) {
        if (item == "none") {
            Nanos delay = n.delay;
            n = Faults();
            n.delay = delay;
            continue;
        }
        size_t eq = item.find('=');
        if (eq == std::string::npos) {
            return "'" + item + "': expected KEY=VALUE or none";
        }
        std::string key = item.substr(0, eq);
        std::vector<std::string> v = split(item.substr(eq + 1), '/');
        auto bad = [&](const char *what) {
            return "'" + item + "': " + key + " expects " + what;
        };
        double x[4];
        if (key == "loss") {
            if (v.size() > 2 || !parse_double(v[0], 0, 1, x[0])
                || (v.size() == 2 && !parse_double(v[1], 0, 0.999999, x[1]))) {
                return bad("P[/CORR], P in [0,1], CORR in [0,1)");
            }
            n.set_loss(x[0], v.size() == 2 ? x[1] : 0);
        } else if (key == "loss-ge") {
            x[2] = 0;
            x[3] = 1;
            bool ok = v.size() >= 2 && v.size() <= 4;
            for (size_t i = 0; ok && i < v.size(); i++) {
                ok = parse_double(v[i], 0, 1, x[i]);
            }
            if (!ok) {
                return bad("p/r[/h[/k]], each in [0,1]");
            }
            n.set_loss_ge(x[0], x[1], x[2], x[3]);
        } else if (key == "dup") {
            if (v.size() != 1 || !parse_double(v[0], 0, 1, n.dup)) {
                return bad("P in [0,1]");
            }
        } else if (key == "reorder") {
            if (v.size() > 2 || !parse_double(v[0], 0, 1, n.reorder)
                || (v.size() == 2 && !parse_us(v[1], n.reorder_extra))) {
                return bad("P[/EXTRA_US], P in [0,1], EXTRA_US an integer");
            }
        } else if (key == "jitter") {
            if (v.size() != 1 || !parse_us(v[0], n.jitter)) {
                return bad("US, an integer number of microseconds");
            }
        } else if (key == "delay") {
            if (v.size() != 1 || !parse_us(v[0], n.delay)) {
                return bad("US, an integer number of microseconds");
            }
        } else {
            return "'" + item + "': unknown fault '" + key
                   + "' (loss, loss-ge, dup, reorder, jitter, delay, none)";
        }
    }
    f = n;
    return std::nullopt;
}

FaultModel::FaultModel(uint64_t seed, uint64_t stream, const Faults &f)
{
    std::seed_seq seq{uint32_t(seed), uint32_t(seed >> 32), uint32_t(stream),
                      uint32_t(stream >> 32)};
    rng_.seed(seq);
    set(f);
}

void FaultModel::set(const Faults &f)
{
    faults_ = f;
    double sum = f.ge_p + f.ge_r;
    bad_ = sum > 0 && draw(f.ge_p / sum);
}

bool FaultModel::draw(double p)
{
    // No number drawn for the certain cases: a fault that is off costs
    // nothing and leaves the others' draws where they were.
    if (p <= 0) {
        return false;
    }
    if (p >= 1) {
        return true;
    }
    return unit_(rng_) < p;
}

bool FaultModel::lose()
{
    const Faults &f = faults_;
    if (f.ge_p <= 0 && !bad_ && f.ge_k >= 1) {
        return false;  // No loss configured.
    }
    bad_ = bad_ ? !draw(f.ge_r) : draw(f.ge_p);
    return !draw(bad_ ? f.ge_h : f.ge_k);
}

Fate FaultModel::arrive(Nanos arrived, bool room)
{
    Fate fate;
    counters_.received++;
    if (cut_) {
        counters_.dropped_cut++;
        fate.verdict = Fate::kCut;
        return fate;
    }
    if (!room) {
        counters_.dropped_full++;
        fate.verdict = Fate::kFull;
        return fate;
    }
    if (lose()) {
        counters_.dropped_loss++;
        fate.verdict = Fate::kLost;
        return fate;
    }
    const Faults &f = faults_;
    fate.seq = next_seq_++;
    fate.copies = draw(f.dup) ? 2 : 1;
    fate.path = draw(f.reorder) ? 1 : 0;
    Nanos due = arrived + f.delay + (fate.path ? f.reorder_extra : 0);
    if (f.jitter > 0) {
        std::uniform_int_distribution<Nanos> j(0, f.jitter);
        due += j(rng_);
    }
    // Never before the frame ahead on the same path: jitter delays, it
    // does not reorder.
    due = std::max(due, last_due_[fate.path]);
    last_due_[fate.path] = due;
    fate.due = due;
    if (fate.path) {
        counters_.delayed_path++;
    }
    return fate;
}

void FaultModel::sent(uint64_t seq, bool copy, bool ok, Nanos due, Nanos at)
{
    if (copy) {
        counters_.duplicated++;
    }
    if (!ok) {
        counters_.dropped_send++;
        return;
    }
    counters_.forwarded++;
    if (any_sent_ && seq < max_sent_) {
        counters_.reordered++;
    }
    if (!any_sent_ || seq > max_sent_) {
        max_sent_ = seq;
        any_sent_ = true;
    }
    counters_.max_late = std::max(counters_.max_late, at - due);
}

void FaultModel::note_queue(uint64_t n)
{
    counters_.max_queue = std::max(counters_.max_queue, n);
}

}  // namespace linkdelay
