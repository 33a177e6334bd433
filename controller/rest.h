// The controller's REST API (cpp-httplib, nlohmann-json): the core's
// routes (health, switches, deployment) and those of each application
// (App::routes).  Handlers run in httplib's threads and hand their work to
// the controller's main loop, so the controller's state has one owner.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "app.h"
#include "rest_json.h"

namespace httplib {
class Server;
}

namespace cxxa::controller {

class Controller;

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
    JsonReply call(std::function<JsonReply()> fn);

    httplib::Server &server() { return *server_; }

  private:
    void add_routes();
    void add_app_route(const App &, RestRoute);
    JsonReply call_route(const App &, const RestRoute &,
                         const std::string &body);

    Controller &controller_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
};

// A reply with this status whose body lists the errors.
JsonReply rest_error(int status, const std::vector<std::string> &errors);

}  // namespace cxxa::controller
