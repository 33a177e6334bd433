#include "rest.h"

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include <httplib.h>

#include "controller.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr size_t kMaxBody = 4 << 20;
constexpr auto kMainLoopTimeout = std::chrono::seconds(10);

void send(httplib::Response &res, const JsonReply &r)
{
    res.status = r.http;
    res.set_content(r.body.dump(2) + "\n", "application/json");
}

}  // namespace

JsonReply rest_error(int status, const std::vector<std::string> &errors)
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
    /* httplib listens with SO_REUSEPORT on Linux, with which a second
     * controller given the same address listens beside the first and the
     * kernel splits the requests between them.  SO_REUSEADDR only, as
     * OVS's own listeners: a port in use is an error, TIME_WAIT is not. */
    server_->set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    add_routes();
}

RestServer::~RestServer() { stop(); }

std::string RestServer::bind(const std::string &address)
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

void RestServer::start()
{
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void RestServer::stop()
{
    if (thread_.joinable()) {
        server_->stop();
        thread_.join();
    }
}

JsonReply RestServer::call(std::function<JsonReply()> fn)
{
    auto promise = std::make_shared<std::promise<JsonReply>>();
    std::future<JsonReply> future = promise->get_future();
    controller_.post(
        [promise, fn = std::move(fn)] { promise->set_value(fn()); });
    if (future.wait_for(kMainLoopTimeout) != std::future_status::ready) {
        return rest_error(503, {"controller main loop did not answer in "
                                "10 s"});
    }
    return future.get();
}

void RestServer::add_routes()
{
    httplib::Server &s = *server_;
    Controller &c = controller_;

    s.Get("/health",
          [this, &c](const httplib::Request &, httplib::Response &res) {
              send(res, call([&c] { return JsonReply{200, c.health()}; }));
          });
    s.Get("/switches",
          [this, &c](const httplib::Request &, httplib::Response &res) {
              send(res, call([&c] { return JsonReply{200, c.switches()}; }));
          });
    s.Get("/deployment",
          [this, &c](const httplib::Request &, httplib::Response &res) {
              send(res, call([&c] { return JsonReply{200, c.deployment()}; }));
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
                 return JsonReply{
                     200, {{"status", "ok"}, {"generation", c.generation()}}};
             }));
    });
    s.Post("/deployment/reload", [this, &c](const httplib::Request &,
                                            httplib::Response &res) {
        send(res, call([&c] {
                 std::vector<std::string> errors;
                 if (!c.reload(errors)) {
                     return rest_error(400, errors);
                 }
                 return JsonReply{
                     200, {{"status", "ok"}, {"generation", c.generation()}}};
             }));
    });
    for (const auto &app : c.apps()) {
        for (RestRoute &r : app->routes()) {
            add_app_route(*app, std::move(r));
        }
    }
    s.set_error_handler(
        [](const httplib::Request &req, httplib::Response &res) {
            if (!res.body.empty()) {
                return;
            }
            std::string why = res.status == 404   ? "no such resource"
                              : res.status == 405 ? "method not allowed"
                              : res.status == 413 ? "request body too large"
                                                  : "request failed";
            send(res, rest_error(res.status,
                                 {req.method + " " + req.path + ": " + why}));
        });
}

/* Registers one of an application's routes: the request body goes to its
 * handler on the controller's thread (call()), its reply back as JSON. */
void RestServer::add_app_route(const App &app, RestRoute route)
{
    httplib::Server &s = *server_;
    auto r = std::make_shared<const RestRoute>(std::move(route));
    auto handler = [this, &app, r](const httplib::Request &req,
                                   httplib::Response &res) {
        send(res, call_route(app, *r, req.body));
    };
    if (r->method == "GET") {
        s.Get(r->path, handler);
    } else if (r->method == "POST") {
        s.Post(r->path, handler);
    } else if (r->method == "PUT") {
        s.Put(r->path, handler);
    } else {
        s.Delete(r->path, handler);
    }
}

/* Runs 'r' for one request.  With a 'prepare' step, the reply waits (in
 * this thread, on a future the main loop fulfils) until the condition it
 * returned holds, at most 'max_wait'. */
JsonReply RestServer::call_route(const App &app, const RestRoute &r,
                                 const std::string &body)
{
    Controller &c = controller_;
    RestCall rc{body, true};
    if (r.prepare) {
        auto ready = std::make_shared<std::promise<bool>>();
        std::future<bool> came = ready->get_future();
        auto deadline = App::Clock::now() + r.max_wait;
        /* Captures by value: after a timeout the task may still run. */
        call([&c, &app, prepare = r.prepare, ready, deadline] {
            Effects fx;
            std::function<bool()> until = prepare(fx);
            c.apply_effects(app, fx);
            c.when(std::move(until), deadline,
                   [ready](bool ok) { ready->set_value(ok); });
            return JsonReply{};
        });
        rc.ready = came.wait_for(r.max_wait + kMainLoopTimeout)
                       == std::future_status::ready
                   && came.get();
    }
    return call([&c, &app, handle = r.handle, rc] {
        Effects fx;
        JsonReply reply = handle(rc, fx);
        c.apply_effects(app, fx);
        return reply;
    });
}

}  // namespace cxxa::controller
