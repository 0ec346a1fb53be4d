package fr.relais.classlog.tools;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.util.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * HTTP for class-log clients, with the engine's error classes: no answer, a timeout, 5xx or 429 make the tool
 * {@linkplain ToolException#unavailable unavailable}; another 4xx is a {@linkplain ToolException#refused refusal}
 * of what was sent, with the tool's answer in the message.
 */
public final class ToolHttp {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /**
     * Requests are described with the JDK's {@link HttpRequest} and sent by Relais' pooled client ({@link
     * fr.relais.platform.PooledHttp}: Apache HttpClient's classic client, in the caller's thread): the JDK's client
     * hands every exchange to its selector thread and back (in the class-log benchmark, with its work already kept
     * on that thread, it was still a fifth of the process' CPU). Like the JDK's client: no redirect followed, no
     * cookie kept, no retry, no compression asked; the request's own timeout (15 s by default) for the answer.
     */
    private static final CloseableHttpClient HTTP = fr.relais.platform.PooledHttp.CLIENT;

    private ToolHttp() {
    }

    /** The descriptor's {@code classlog.baseUrl}, without a trailing slash. */
    public static String baseUrl(Connector tool) {
        return tool.descriptor().path("classlog").path("baseUrl").asText().replaceAll("/+$", "");
    }

    public static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
    }

    public static HttpRequest.BodyPublisher json(Object body) {
        try {
            return new Bytes(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A body kept as its bytes, which {@link #exchange} sends as they are. */
    private record Bytes(byte[] bytes) implements HttpRequest.BodyPublisher {
        @Override
        public long contentLength() {
            return bytes.length;
        }

        @Override
        public void subscribe(java.util.concurrent.Flow.Subscriber<? super java.nio.ByteBuffer> subscriber) {
            HttpRequest.BodyPublishers.ofByteArray(bytes).subscribe(subscriber);
        }
    }

    /** Sends, and answers the response of any status below 400 (and 404 when {@code notFoundIsAnswer}). */
    public static HttpResponse<String> send(Connector tool, HttpRequest request, boolean notFoundIsAnswer)
            throws ToolException {
        return check(tool, request, exchange(tool, request), notFoundIsAnswer, body -> body);
    }

    /** Sends, and answers the response whatever its status: only no answer at all makes the tool unavailable. */
    public static HttpResponse<String> exchange(Connector tool, HttpRequest request) throws ToolException {
        ClassicHttpRequest out = new BasicClassicHttpRequest(request.method(), request.uri());
        request.headers().map().forEach((name, values) -> values.forEach(v -> out.addHeader(name, v)));
        byte[] body = request.bodyPublisher().map(ToolHttp::bytes).orElse(null);
        if (body != null && (body.length > 0 || !request.method().equals("GET") && !request.method().equals("DELETE"))) {
            out.setEntity(new ByteArrayEntity(body, null));
        }
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(request.timeout().filter(t -> !t.equals(TIMEOUT)).map(ToolHttp::config)
                .orElse(DEFAULT_CONFIG));
        try {
            return HTTP.execute(out, context, r -> {
                Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
                for (var h : r.getHeaders()) {
                    headers.computeIfAbsent(h.getName(), k -> new java.util.ArrayList<>()).add(h.getValue());
                }
                String text = r.getEntity() == null ? "" : EntityUtils.toString(r.getEntity(), StandardCharsets.UTF_8);
                return new Answer(r.getCode(), text, java.net.http.HttpHeaders.of(headers, (a, b) -> true), request);
            });
        } catch (IOException e) {
            throw ToolException.unavailable(tool.id() + " injoignable à " + request.uri().getScheme() + "://"
                    + request.uri().getAuthority() + " (" + unreachable(e) + ")", e);
        }
    }

    private static final RequestConfig DEFAULT_CONFIG = config(TIMEOUT);

    /** The answer's timeout (a request's own, 15 s by default), and as long for a pooled connection. */
    private static RequestConfig config(Duration timeout) {
        return RequestConfig.custom().setResponseTimeout(Timeout.of(timeout)).setConnectionRequestTimeout(Timeout.of(TIMEOUT))
                .build();
    }

    /**
     * What a body publisher gives: the bytes of ours ({@link #json}, {@link #form}) at once, nothing for an empty
     * one ({@code noBody()}), any other's read through its subscription (a family of a vendor may build its own).
     */
    private static byte[] bytes(HttpRequest.BodyPublisher publisher) {
        if (publisher instanceof Bytes b) {
            return b.bytes();
        }
        if (publisher.contentLength() == 0) {
            return new byte[0];
        }
        var out = new java.io.ByteArrayOutputStream();
        var done = new java.util.concurrent.CompletableFuture<byte[]>();
        publisher.subscribe(new java.util.concurrent.Flow.Subscriber<java.nio.ByteBuffer>() {
            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(java.nio.ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.writeBytes(chunk);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(out.toByteArray());
            }
        });
        try {
            return done.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalArgumentException("corps de requête illisible", e);
        }
    }

    /** A response as the JDK's client gives it, read whole. */
    private record Answer(int statusCode, String body, java.net.http.HttpHeaders headers, HttpRequest request)
            implements HttpResponse<String> {
        @Override
        public Optional<HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<javax.net.ssl.SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }

    /** Why no answer came, in French, without the Java class names of the exception (its message may be empty). */
    public static String unreachable(IOException e) {
        if (e instanceof java.net.http.HttpConnectTimeoutException
                || e instanceof org.apache.hc.client5.http.ConnectTimeoutException) {
            return "délai de connexion dépassé";
        }
        if (e instanceof java.net.http.HttpTimeoutException || e instanceof java.net.SocketTimeoutException) {
            return "délai de réponse dépassé";
        }
        if (e instanceof java.net.ConnectException) {
            return "connexion refusée";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "hôte inconnu";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "échec TLS : " + e.getMessage();
        }
        return e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : "connexion interrompue";
    }

    /**
     * The engine's error classes for a response's status; {@code reason} reads the tool's explanation from an
     * error body (the body itself when the tool has no error format).
     */
    public static HttpResponse<String> check(Connector tool, HttpRequest request, HttpResponse<String> r,
                                             boolean notFoundIsAnswer, Function<String, String> reason)
            throws ToolException {
        int status = r.statusCode();
        if (status >= 500 || status == 429 || status == 408) {
            throw ToolException.unavailable(tool.id() + " indisponible : HTTP " + status, null);
        }
        if (status >= 400 && !(status == 404 && notFoundIsAnswer)) {
            String body = reason.apply(r.body() == null ? "" : r.body());
            String message = tool.id() + " a refusé " + request.method() + " " + request.uri().getPath() + " : HTTP "
                    + status + " " + body.substring(0, Math.min(500, body.length()));
            throw status == 404 ? ToolException.notFound(message) : ToolException.refused(message);
        }
        return r;
    }

    /** A form body ({@code application/x-www-form-urlencoded}). */
    public static HttpRequest.BodyPublisher form(Map<String, String> fields) {
        return new Bytes(fields.entrySet().stream()
                .map(f -> URLEncoder.encode(f.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(f.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&")).getBytes(StandardCharsets.UTF_8));
    }

    public static JsonNode read(Connector tool, HttpResponse<String> r) throws ToolException {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw ToolException.refused(tool.id() + " a répondu autre chose que du JSON : " + e.getMessage());
        }
    }
}
