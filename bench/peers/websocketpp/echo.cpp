// websocketpp echo server for bench/compare.sh: websocketpp 0.8 over
// standalone asio and OpenSSL, single-threaded (the library's usual setup).
//
//   echo PORT [CERT KEY [CA]]
//
// Without CERT it serves plain ws://; with CA it requires client certificates
// issued by it. TLS 1.3 only. TCP_NODELAY is set: websocketpp sends a frame's
// header and payload in separate TLS records, and with Nagle on a 64 KiB echo
// waits for the peer's delayed ACK every time. Prints
// "listening 127.0.0.1:PORT" once it accepts connections.
//
// Build: g++ -O2 -std=c++17 -DASIO_STANDALONE echo.cpp -lssl -lcrypto -lpthread
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

using tls_server = websocketpp::server<websocketpp::config::asio_tls>;
using plain_server = websocketpp::server<websocketpp::config::asio>;
using context_ptr = std::shared_ptr<asio::ssl::context>;

template <typename Server>
void setup(Server& s, unsigned short port) {
    s.clear_access_channels(websocketpp::log::alevel::all);
    s.clear_error_channels(websocketpp::log::elevel::all);
    s.init_asio();
    s.set_reuse_addr(true);
    // After accept, before the TLS handshake: the socket is open here (it is
    // not yet in the socket init handler).
    s.set_tcp_pre_init_handler([&s](websocketpp::connection_hdl h) {
        websocketpp::lib::error_code ec;
        auto con = s.get_con_from_hdl(h, ec);
        if (!ec) {
            con->get_raw_socket().set_option(asio::ip::tcp::no_delay(true), ec);
        }
    });
    s.set_message_handler([&s](websocketpp::connection_hdl h, typename Server::message_ptr msg) {
        websocketpp::lib::error_code ec;
        s.send(h, msg->get_payload(), msg->get_opcode(), ec);
    });
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    s.listen(ep);
    s.start_accept();
    std::printf("listening 127.0.0.1:%u\n", port);
    std::fflush(stdout);
    s.run();
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s PORT [CERT KEY [CA]]\n", argv[0]);
        return 2;
    }
    auto port = static_cast<unsigned short>(std::atoi(argv[1]));
    if (argc < 4) {
        plain_server s;
        setup(s, port);
        return 0;
    }
    std::string cert = argv[2], key = argv[3], ca = argc > 4 ? argv[4] : "";
    // One context for every connection, as a real server keeps it: the
    // certificate and key are read and parsed once.
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
    ctx->use_certificate_chain_file(cert);
    ctx->use_private_key_file(key, asio::ssl::context::pem);
    if (!ca.empty()) {
        ctx->load_verify_file(ca);
        SSL_CTX_set_client_CA_list(ctx->native_handle(), SSL_load_client_CA_file(ca.c_str()));
        ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
    tls_server s;
    s.set_tls_init_handler([ctx](websocketpp::connection_hdl) { return ctx; });
    setup(s, port);
    return 0;
}
