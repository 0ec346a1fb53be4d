package fr.relais.platform;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

/**
 * Writes {@link ApiError} bodies from the security filters, which answer before any controller. As the API's entry
 * point it asks for credentials with a 401 but no {@code WWW-Authenticate: Basic} challenge: a browser would
 * otherwise prompt, keep the password and send it with every later request, cross-site ones included.
 */
class ApiErrors implements AuthenticationEntryPoint {

    private final ObjectMapper json;

    ApiErrors(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure)
            throws IOException {
        if (failure instanceof ThrottledAuthentication.LoginLockedException locked) {
            response.setHeader("Retry-After", Long.toString(LoginThrottle.seconds(locked.retryAfter())));
            write(response, HttpStatus.TOO_MANY_REQUESTS, locked.getMessage(), request);
            return;
        }
        write(response, HttpStatus.UNAUTHORIZED, "Authentification requise : envoyez l'identifiant et le mot de passe "
                + "de l'administrateur en HTTP Basic (curl -u admin:<mot de passe>).", request);
    }

    void write(HttpServletResponse response, HttpStatus status, String message, HttpServletRequest request)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(),
                ApiError.of(status.value(), status.getReasonPhrase(), message, request.getRequestURI()));
    }
}
