// The controller's REST API (cpp-httplib, nlohmann-json).  Handlers run in
// httplib's threads and hand their work to the controller's main loop, so
// the controller's state has one owner.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "rest_json.h"

namespace httplib {
class Server;
}

namespace cxxa::controller {

class Controller;

struct RestReply {
    int status = 200;
    nlohmann::json body;
};

class RestServer {
public:
    explicit RestServer(Controller &);
    ~RestServer();

    // Binds "IP:PORT" (before privileges are dropped).  Returns "" or why
    // not.
    std::string bind(const std::string &address);
    // Serves in background threads.
    void start();
    void stop();

    // Runs 'fn' in the controller's main loop and waits for its reply.
    RestReply call(std::function<RestReply()> fn);

    httplib::Server &server() { return *server_; }

private:
    void add_routes();
    void add_body_route(const std::string &method, const char *path,
                        std::function<JsonReply(const std::string &)> fn);
    void add_amd_routes();
    void add_nat_routes();

    Controller &controller_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
};

// A 400 reply whose body lists the errors.
RestReply rest_error(int status, const std::vector<std::string> &errors);

}  // namespace cxxa::controller
