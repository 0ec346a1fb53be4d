package fr.relais.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A CAS 3.0 server playing an ENT in a process of its own, for {@link LoginBenchmark}: the ENT's cost must not
 * fall into Relais' JVM, as in production where the ENT is another site. The same wire behaviour as the sandbox's
 * {@code SimulatedCasEnt} for a login (a form at {@code /cas/login}, any digits with the password {@code demo}, a
 * session cookie, {@code ENTPersonJointure} = the login on {@code /cas/p3/serviceValidate}), on the JDK's HTTP
 * server so that it needs nothing of Relais nor Spring. Prints {@code port <n>} on its first line, then serves
 * until its standard input closes. Its arguments, optional: the port (a deployment started beforehand names
 * the ENT's address), then a PKCS#12 key store and its password to serve HTTPS (a prod-profile Relais accepts
 * only https ENTs).
 */
public final class BenchCasEnt {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COOKIE = "SIM_CAS_TGC";

    private record Ticket(String user, String service, Instant authenticatedAt) {
    }

    private final Map<String, String> sessions = new ConcurrentHashMap<>();
    private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        // its port: the first argument, or any free one; with a PKCS#12 key store and its password, over TLS
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", args.length > 0 ? Integer.parseInt(args[0]) : 0);
        HttpServer server;
        if (args.length > 2) {
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(args[1]))) {
                keys.load(in, args[2].toCharArray());
            }
            var factory = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, args[2].toCharArray());
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(factory.getKeyManagers(), null, null);
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 256);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        } else {
            server = HttpServer.create(address, 256);
        }
        BenchCasEnt ent = new BenchCasEnt();
        server.createContext("/cas/login", ent::login);
        server.createContext("/cas/p3/serviceValidate", ent::validate);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
        System.out.println("port " + server.getAddress().getPort());
        System.out.flush();
        // the benchmark ends this process by closing its input (or by destroying it)
        while (System.in.read() >= 0) {
            // nothing to read
        }
        server.stop(0);
        System.exit(0);
    }

    private void login(HttpExchange exchange) throws IOException {
        try (exchange) {
            if ("POST".equals(exchange.getRequestMethod())) {
                Map<String, String> form = parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                String user = form.getOrDefault("username", "");
                if (!user.matches("\\d{1,12}") || !"demo".equals(form.get("password"))) {
                    send(exchange, 401, "text/html; charset=UTF-8", page(form.get("service"), "Identifiant ou mot de passe incorrect."));
                    return;
                }
                String cookie = random();
                sessions.put(cookie, user);
                exchange.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + cookie + "; Path=/cas; HttpOnly");
                redirect(exchange, ticketFor(user, form.get("service")));
                return;
            }
            Map<String, String> query = parse(exchange.getRequestURI().getRawQuery());
            String service = query.get("service");
            String user = session(exchange);
            if (user != null && service != null && !"true".equals(query.get("renew"))) {
                redirect(exchange, ticketFor(user, service));
            } else {
                send(exchange, 200, "text/html; charset=UTF-8", page(service, null));
            }
        }
    }

    private void validate(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> query = parse(exchange.getRequestURI().getRawQuery());
            String id = query.get("ticket");
            Ticket t = id == null ? null : tickets.remove(id);
            String body;
            if (t == null) {
                body = "<cas:authenticationFailure code=\"INVALID_TICKET\">Ticket " + id + " not recognized</cas:authenticationFailure>";
            } else if (!t.service().equals(query.get("service"))) {
                body = "<cas:authenticationFailure code=\"INVALID_SERVICE\">Ticket " + id
                        + " does not match supplied service</cas:authenticationFailure>";
            } else {
                body = "<cas:authenticationSuccess><cas:user>" + t.user() + "</cas:user><cas:attributes>"
                        + "<cas:ENTPersonJointure>" + t.user() + "</cas:ENTPersonJointure>"
                        + "<cas:authenticationDate>" + t.authenticatedAt() + "</cas:authenticationDate>"
                        + "<cas:isFromNewLogin>true</cas:isFromNewLogin>"
                        + "<cas:longTermAuthenticationRequestTokenUsed>false</cas:longTermAuthenticationRequestTokenUsed>"
                        + "</cas:attributes></cas:authenticationSuccess>";
            }
            send(exchange, 200, "application/xml", "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">" + body
                    + "</cas:serviceResponse>");
        }
    }

    private String session(HttpExchange exchange) {
        for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
            for (String pair : header.split(";\\s*")) {
                if (pair.startsWith(COOKIE + "=")) {
                    return sessions.get(pair.substring(COOKIE.length() + 1));
                }
            }
        }
        return null;
    }

    private String ticketFor(String user, String service) {
        String ticket = "ST-bench-" + random();
        tickets.put(ticket, new Ticket(user, service, Instant.now()));
        return service + (service.contains("?") ? "&" : "?") + "ticket=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8);
    }

    /** A login page of the size of a real ENT's form (the sandbox's is about 1 KB). */
    private static String page(String service, String error) {
        String s = service == null ? "" : service.replace("&", "&amp;").replace("\"", "&quot;");
        return "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"UTF-8\"><title>ENT simulé</title></head><body>"
                + "<h1>Connexion à l'ENT simulé</h1>" + (error == null ? "" : "<p class=\"erreur\">" + error + "</p>")
                + "<form method=\"post\" action=\"/cas/login\"><input type=\"hidden\" name=\"service\" value=\"" + s + "\">"
                + "<label>Identifiant <input name=\"username\" autocomplete=\"username\"></label>"
                + "<label>Mot de passe <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>"
                + "<button type=\"submit\">Se connecter</button></form></body></html>";
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().add("Location", location);
        exchange.sendResponseHeaders(302, -1);
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> parse(String encoded) {
        Map<String, String> values = new HashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return values;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            values.putIfAbsent(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static String random() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
