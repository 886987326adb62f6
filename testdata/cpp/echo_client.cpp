// echo_client: a websocketpp (asio standalone + OpenSSL) client used by
// wsskit's interop tests. It connects, sends a text message and a binary
// message of BINSIZE bytes, checks that both come back unchanged, closes
// with 1000 and exits 0; any failure prints the reason and exits 1.
//
// usage: echo_client URL HOST CAPATH [CERT KEY] TEXT BINSIZE
//   HOST    the name or IP checked against the server certificate
//   CAPATH  an OpenSSL hashed CA folder (HASH.0 files), as add_verify_path
//   CERT KEY the client certificate chain and key (PEM), or "-" "-"
#define ASIO_STANDALONE
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/client.hpp>

#include <asio/ssl/host_name_verification.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

typedef websocketpp::client<websocketpp::config::asio_tls_client> client;
typedef websocketpp::lib::shared_ptr<asio::ssl::context> context_ptr;

int main(int argc, char* argv[]) {
    if (argc != 8) {
        std::cerr << "usage: echo_client URL HOST CAPATH CERT KEY TEXT BINSIZE" << std::endl;
        return 2;
    }
    const std::string url = argv[1], host = argv[2], capath = argv[3], cert = argv[4], key = argv[5], text = argv[6];
    const std::size_t binsize = std::strtoul(argv[7], nullptr, 10);
    std::string binary(binsize, '\0');
    for (std::size_t i = 0; i < binsize; i++) binary[i] = static_cast<char>(i * 7 + 3);

    client c;
    int replies = 0;
    bool ok = false;
    c.clear_access_channels(websocketpp::log::alevel::all);
    c.clear_error_channels(websocketpp::log::elevel::all);
    c.init_asio();

    c.set_tls_init_handler([&](websocketpp::connection_hdl) {
        context_ptr ctx = websocketpp::lib::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        ctx->set_verify_mode(asio::ssl::verify_peer);
        ctx->add_verify_path(capath);
        if (cert != "-") {
            ctx->use_certificate_chain_file(cert);
            ctx->use_private_key_file(key, asio::ssl::context::pem);
        }
        ctx->set_verify_callback(asio::ssl::host_name_verification(host));
        return ctx;
    });
    c.set_open_handler([&](websocketpp::connection_hdl hdl) {
        auto con = c.get_con_from_hdl(hdl);
        std::cout << "open: http " << con->get_response_code() << std::endl;
        c.send(hdl, text, websocketpp::frame::opcode::text);
        c.send(hdl, binary, websocketpp::frame::opcode::binary);
    });
    c.set_message_handler([&](websocketpp::connection_hdl hdl, client::message_ptr msg) {
        replies++;
        if (replies == 1) {
            std::cout << "received text: " << msg->get_payload() << std::endl;
            if (msg->get_opcode() != websocketpp::frame::opcode::text || msg->get_payload() != text) {
                std::cout << "text reply differs" << std::endl;
                c.close(hdl, websocketpp::close::status::normal, "bad text reply");
            }
            return;
        }
        std::cout << "received binary: " << msg->get_payload().size() << " bytes" << std::endl;
        ok = msg->get_opcode() == websocketpp::frame::opcode::binary && msg->get_payload() == binary;
        if (!ok) std::cout << "binary reply differs" << std::endl;
        c.close(hdl, websocketpp::close::status::normal, "done");
    });
    c.set_fail_handler([&](websocketpp::connection_hdl hdl) {
        auto con = c.get_con_from_hdl(hdl);
        std::cout << "failed: " << con->get_ec().message() << "; transport: " << con->get_transport_ec().message()
                  << "; http " << con->get_response_code() << std::endl;
    });
    c.set_close_handler([&](websocketpp::connection_hdl hdl) {
        auto con = c.get_con_from_hdl(hdl);
        std::cout << "closed: remote code " << con->get_remote_close_code() << " reason \"" << con->get_remote_close_reason()
                  << "\"" << std::endl;
    });

    websocketpp::lib::error_code ec;
    client::connection_ptr con = c.get_connection(url, ec);
    if (ec) {
        std::cout << "failed: " << ec.message() << std::endl;
        return 1;
    }
    c.connect(con);
    c.run();
    return ok ? 0 : 1;
}
