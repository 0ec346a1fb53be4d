package fr.relais.sso.saml;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import org.opensaml.xmlsec.signature.support.SignatureConstants;

/**
 * The SAML 2.0 HTTP-Redirect binding (bindings 3.4) for logout messages: a deflated message in the query,
 * signed as the binding prescribes (the signature covers {@code SAMLRequest|SAMLResponse}, {@code RelayState}
 * and {@code SigAlg} exactly as they appear in the URL). The XML itself carries no signature.
 */
final class RedirectBinding {

    /** The signature algorithms accepted, and the JCA names they verify with. */
    private static final Map<String, String> ALGORITHMS = Map.of(
            SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA256, "SHA256withRSA",
            SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA384, "SHA384withRSA",
            SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA512, "SHA512withRSA");

    /** A message received by redirect: its kind, its XML, the RelayState, and whether it was signed. */
    record Received(String kind, byte[] xml, String relayState, String sigAlg, byte[] signature, String signedPart) {
    }

    private RedirectBinding() {
    }

    /**
     * {@code <endpoint>?<kind>=<deflated, base64 xml>[&RelayState=...]}, followed by {@code SigAlg} (RSA-SHA256) and
     * {@code Signature} when {@code keys} is not null.
     */
    static String url(String endpoint, String kind, String xml, String relayState, SigningKeys keys) {
        String query = kind + "=" + enc(deflate(xml)) + (relayState == null ? "" : "&RelayState=" + enc(relayState));
        return endpoint + (endpoint.contains("?") ? "&" : "?")
                + (keys == null ? query : OpenSaml.signRedirectQuery(query, keys));
    }

    /** Reads the raw query string (not its decoded parameters: the signature covers the encoded text). */
    static Received parse(String rawQuery) throws OpenSaml.SamlException {
        String kind = null;
        String message = null;
        String relay = null;
        String sigAlg = null;
        String signature = null;
        String rawMessage = null;
        String rawRelay = null;
        String rawSigAlg = null;
        for (String pair : rawQuery == null ? new String[0] : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = pair.substring(0, eq);
            String raw = pair.substring(eq + 1);
            String value = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            switch (name) {
                case "SAMLRequest", "SAMLResponse" -> {
                    kind = name;
                    message = value;
                    rawMessage = raw;
                }
                case "RelayState" -> {
                    relay = value;
                    rawRelay = raw;
                }
                case "SigAlg" -> {
                    sigAlg = value;
                    rawSigAlg = raw;
                }
                case "Signature" -> signature = value;
                default -> { }
            }
        }
        if (kind == null) {
            throw new OpenSaml.SamlException("ni SAMLRequest ni SAMLResponse dans l'adresse");
        }
        String signedPart = kind + "=" + rawMessage + (rawRelay == null ? "" : "&RelayState=" + rawRelay)
                + (rawSigAlg == null ? "" : "&SigAlg=" + rawSigAlg);
        byte[] sig;
        try {
            sig = signature == null ? null : Base64.getMimeDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new OpenSaml.SamlException("Signature n'est pas du base64");
        }
        return new Received(kind, OpenSaml.inflate(message), relay, sigAlg, sig, signedPart);
    }

    /** The query's signature is there, with an accepted algorithm, by one of the sender's published keys. */
    static void verify(Received received, List<X509Certificate> certificates) throws OpenSaml.SamlException {
        if (received.signature() == null || received.sigAlg() == null) {
            throw new OpenSaml.SamlException("message de déconnexion non signé (SigAlg et Signature attendus)");
        }
        String jca = ALGORITHMS.get(received.sigAlg());
        if (jca == null) {
            throw new OpenSaml.SamlException("algorithme de signature refusé : " + received.sigAlg());
        }
        for (X509Certificate certificate : certificates) {
            try {
                Signature rsa = Signature.getInstance(jca);
                rsa.initVerify(certificate.getPublicKey());
                rsa.update(received.signedPart().getBytes(StandardCharsets.UTF_8));
                if (rsa.verify(received.signature())) {
                    return;
                }
            } catch (GeneralSecurityException e) {
                // the next published key
            }
        }
        throw new OpenSaml.SamlException("signature invalide ou faite par une clé que l'ENT ne publie pas");
    }

    private static String deflate(String xml) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(Deflater.DEFLATED, true))) {
            d.write(xml.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
