#include "rest.h"

#include <chrono>
#include <future>
#include <thread>

#include <httplib.h>

#include "controller.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr size_t kMaxBody = 4 << 20;
constexpr auto kMainLoopTimeout = std::chrono::seconds(10);
constexpr auto kReportWait = std::chrono::seconds(1);

void
send(httplib::Response &res, const RestReply &r)
{
    res.status = r.status;
    res.set_content(r.body.dump(2) + "\n", "application/json");
}

}  // namespace

RestReply
rest_error(int status, const std::vector<std::string> &errors)
{
    return {status, {{"status", "error"}, {"errors", errors}}};
}

RestServer::RestServer(Controller &c)
    : controller_(c), server_(std::make_unique<httplib::Server>())
{
    server_->set_payload_max_length(kMaxBody);
    /* Replies go out as header and body writes: without this, Nagle and
     * the client's delayed ACK add ~40 ms to every kept-alive request. */
    server_->set_tcp_nodelay(true);
    add_routes();
}

RestServer::~RestServer()
{
    stop();
}

std::string
RestServer::bind(const std::string &address)
{
    size_t colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return "\"" + address + "\": expected IP:PORT";
    }
    std::string host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    int port;
    try {
        size_t n;
        port = std::stoi(address.substr(colon + 1), &n);
        if (n != address.size() - colon - 1 || port < 1 || port > 65535) {
            throw std::out_of_range("port");
        }
    } catch (const std::exception &) {
        return "\"" + address + "\": port must be 1 to 65535";
    }
    if (!server_->bind_to_port(host.c_str(), port)) {
        return "cannot listen on " + address + ": " + strerror(errno);
    }
    return "";
}

void
RestServer::start()
{
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void
RestServer::stop()
{
    if (thread_.joinable()) {
        server_->stop();
        thread_.join();
    }
}

RestReply
RestServer::call(std::function<RestReply()> fn)
{
    auto promise = std::make_shared<std::promise<RestReply>>();
    std::future<RestReply> future = promise->get_future();
    controller_.post([promise, fn = std::move(fn)] {
        promise->set_value(fn());
    });
    if (future.wait_for(kMainLoopTimeout) != std::future_status::ready) {
        return rest_error(503, {"controller main loop did not answer in "
                                "10 s"});
    }
    return future.get();
}

void
RestServer::add_routes()
{
    httplib::Server &s = *server_;
    Controller &c = controller_;

    s.Get("/health", [this, &c](const httplib::Request &,
                                httplib::Response &res) {
        send(res, call([&c] { return RestReply{200, c.health()}; }));
    });
    s.Get("/switches", [this, &c](const httplib::Request &,
                                  httplib::Response &res) {
        send(res, call([&c] { return RestReply{200, c.switches()}; }));
    });
    s.Get("/deployment", [this, &c](const httplib::Request &,
                                    httplib::Response &res) {
        send(res, call([&c] { return RestReply{200, c.deployment()}; }));
    });
    s.Put("/deployment", [this, &c](const httplib::Request &req,
                                    httplib::Response &res) {
        std::string body = req.body;
        send(res, call([&c, body] {
            std::vector<std::string> errors;
            int status;
            if (!c.replace(body, errors, status)) {
                return rest_error(status, errors);
            }
            return RestReply{200, {{"status", "ok"},
                                   {"generation", c.generation()}}};
        }));
    });
    s.Post("/deployment/reload", [this, &c](const httplib::Request &,
                                            httplib::Response &res) {
        send(res, call([&c] {
            std::vector<std::string> errors;
            if (!c.reload(errors)) {
                return rest_error(400, errors);
            }
            return RestReply{200, {{"status", "ok"},
                                   {"generation", c.generation()}}};
        }));
    });
    add_amd_routes();
    add_nat_routes();
    s.set_error_handler([](const httplib::Request &req,
                           httplib::Response &res) {
        if (!res.body.empty()) {
            return;
        }
        std::string why = res.status == 404 ? "no such resource"
                        : res.status == 405 ? "method not allowed"
                        : res.status == 413 ? "request body too large"
                        : "request failed";
        send(res, rest_error(res.status, {req.method + " " + req.path + ": "
                                          + why}));
    });
}

/* Registers 'method' (POST, PUT or DELETE) on 'path': the request body goes
 * to 'fn' on the controller's thread (call()), its reply back as JSON. */
void
RestServer::add_body_route(const std::string &method, const char *path,
                           std::function<JsonReply(const std::string &)> fn)
{
    httplib::Server &s = *server_;
    auto handler = [this, fn](const httplib::Request &req,
                              httplib::Response &res) {
        std::string body = req.body;
        /* By value: after a timeout the task may still run later. */
        send(res, call([fn, body] {
            JsonReply r = fn(body);
            return RestReply{r.http, r.body};
        }));
    };
    if (method == "POST") {
        s.Post(path, handler);
    } else if (method == "PUT") {
        s.Put(path, handler);
    } else {
        s.Delete(path, handler);
    }
}

/* AMD, compatible with the Floodlight module of the seed: same paths, same
 * JSON field names, {"status": "Success"|"Error", "reason"} replies (with
 * HTTP status codes that say the same).  Schema: controller/README.md. */
void
RestServer::add_amd_routes()
{
    httplib::Server &s = *server_;
    Controller &c = controller_;
    struct Route {
        const char *method;
        const char *path;
        Controller::AmdRequest request;
    };
    static const Route routes[] = {
        {"POST", "/amd/server/subscription/json", &AmdService::subscribe},
        {"DELETE", "/amd/server/subscription/json", &AmdService::unsubscribe},
        {"PUT", "/amd/server/status/json", &AmdService::set_status},
    };
    for (const Route &r : routes) {
        add_body_route(r.method, r.path, [&c, request = r.request](
                                             const std::string &body) {
            return c.amd_request(request, body);
        });
    }
    /* Asks the switches for fresh per-server reports (packet-outs whose
     * replies come back as packet-ins) and waits for them, at most
     * kReportWait; what did not answer in time is marked. */
    s.Get("/amd/server/info/json", [this, &c](const httplib::Request &,
                                              httplib::Response &res) {
        auto since = AmdService::Clock::now();
        call([&c] {
            c.amd_request_reports();
            return RestReply{};
        });
        bool complete = false;
        for (auto deadline = since + kReportWait;
             AmdService::Clock::now() < deadline;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            RestReply r = call([&c, since] {
                return RestReply{200, c.amd_reports_complete(since)};
            });
            if (r.body == true) {
                complete = true;
                break;
            }
        }
        send(res, call([&c, complete] {
            json j = c.amd_info();
            j["reportsComplete"] = complete;
            return RestReply{200, j};
        }));
    });
}

/* NAT routers: the roles of the seed's messenger (router interfaces,
 * hosts, port forwards) as REST requests, with AMD's reply style
 * ({"status": "Success"|"Error", "reason"}).  Schema: controller/README.md.
 */
void
RestServer::add_nat_routes()
{
    httplib::Server &s = *server_;
    Controller &c = controller_;
    struct Route {
        const char *method;
        const char *path;
        Controller::NatRequest request;
    };
    static const Route routes[] = {
        {"POST", "/nat/router/interface", &NatService::add_interface},
        {"DELETE", "/nat/router/interface", &NatService::remove_interface},
        {"POST", "/nat/router/host", &NatService::add_host},
        {"DELETE", "/nat/router/host", &NatService::remove_host},
        {"POST", "/nat/router/forward", &NatService::add_forward},
        {"DELETE", "/nat/router/forward", &NatService::remove_forward},
    };
    for (const Route &r : routes) {
        add_body_route(r.method, r.path, [&c, request = r.request](
                                             const std::string &body) {
            return c.nat_request(request, body);
        });
    }
    s.Get("/nat/routers", [this, &c](const httplib::Request &,
                                     httplib::Response &res) {
        send(res, call([&c] { return RestReply{200, c.nat_routers()}; }));
    });
}

}  // namespace cxxa::controller
