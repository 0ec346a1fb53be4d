package fr.relais.sso.saml;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import javax.xml.XMLConstants;
import javax.xml.namespace.QName;

import net.shibboleth.utilities.java.support.component.ComponentInitializationException;
import net.shibboleth.utilities.java.support.xml.BasicParserPool;
import net.shibboleth.utilities.java.support.xml.SerializeSupport;
import net.shibboleth.utilities.java.support.xml.XMLParserException;

import org.opensaml.core.config.InitializationException;
import org.opensaml.core.config.InitializationService;
import org.opensaml.core.xml.XMLObject;
import org.opensaml.core.xml.config.XMLObjectProviderRegistrySupport;
import org.opensaml.core.xml.io.MarshallingException;
import org.opensaml.core.xml.io.UnmarshallingException;
import org.opensaml.security.x509.BasicX509Credential;
import org.opensaml.xmlsec.crypto.XMLSigningUtil;
import org.opensaml.xmlsec.keyinfo.impl.X509KeyInfoGeneratorFactory;
import org.opensaml.xmlsec.signature.Signature;
import org.opensaml.xmlsec.signature.support.SignatureConstants;
import org.opensaml.xmlsec.signature.support.SignatureException;
import org.opensaml.xmlsec.signature.support.Signer;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Relais' own small interface over OpenSAML 4 (past its upstream end of life, so kept in this one class):
 * initialisation, building objects, a parser that refuses DTDs and entities and caps sizes, marshalling,
 * RSA-SHA256 signing (enveloped, and of HTTP-Redirect queries).
 */
public final class OpenSaml {

    /** Larger documents are refused before parsing. */
    public static final int MAX_DOCUMENT_BYTES = 256 * 1024;
    private static final BasicParserPool PARSER;

    static {
        try {
            InitializationService.initialize();
            BasicParserPool pool = new BasicParserPool();
            pool.setNamespaceAware(true);
            pool.setIgnoreComments(true);
            pool.setExpandEntityReferences(false);
            pool.setXincludeAware(false);
            pool.setBuilderFeatures(Map.of(
                    "http://apache.org/xml/features/disallow-doctype-decl", true,
                    "http://xml.org/sax/features/external-general-entities", false,
                    "http://xml.org/sax/features/external-parameter-entities", false,
                    "http://apache.org/xml/features/nonvalidating/load-external-dtd", false,
                    XMLConstants.FEATURE_SECURE_PROCESSING, true));
            pool.initialize();
            PARSER = pool;
        } catch (InitializationException | ComponentInitializationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private OpenSaml() {
    }

    @SuppressWarnings("unchecked")
    public static <T extends XMLObject> T build(QName name) {
        return (T) XMLObjectProviderRegistrySupport.getBuilderFactory().getBuilderOrThrow(name).buildObject(name);
    }

    public static Element marshall(XMLObject object) {
        try {
            return XMLObjectProviderRegistrySupport.getMarshallerFactory().getMarshaller(object).marshall(object);
        } catch (MarshallingException e) {
            throw new IllegalStateException("SAML marshalling: " + e.getMessage(), e);
        }
    }

    public static String toXml(XMLObject object) {
        Element element = object.getDOM() != null ? object.getDOM() : marshall(object);
        return SerializeSupport.nodeToString(element);
    }

    /** Parses and unmarshalls a SAML document, refusing DOCTYPEs, entities and oversized input. */
    public static XMLObject parse(byte[] xml) throws SamlException {
        if (xml.length > MAX_DOCUMENT_BYTES) {
            throw new SamlException("document SAML trop volumineux (" + xml.length + " octets, maximum "
                    + MAX_DOCUMENT_BYTES + ")");
        }
        try {
            Document document = PARSER.parse(new ByteArrayInputStream(xml));
            Element root = document.getDocumentElement();
            return XMLObjectProviderRegistrySupport.getUnmarshallerFactory().getUnmarshaller(root).unmarshall(root);
        } catch (XMLParserException e) {
            throw new SamlException("document SAML illisible ou interdit (DOCTYPE, entités) : " + e.getMessage());
        } catch (UnmarshallingException | RuntimeException e) {
            throw new SamlException("document SAML inattendu : " + e.getMessage());
        }
    }

    /** HTTP-Redirect binding: base64 of the raw-deflated message. */
    public static byte[] inflate(String base64) throws SamlException {
        byte[] deflated;
        try {
            deflated = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new SamlException("SAMLRequest n'est pas du base64");
        }
        Inflater inflater = new Inflater(true);
        inflater.setInput(deflated);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_DOCUMENT_BYTES) {
                    throw new SamlException("document SAML trop volumineux une fois décompressé");
                }
            }
        } catch (DataFormatException e) {
            throw new SamlException("SAMLRequest n'est pas compressé comme le veut le binding HTTP-Redirect");
        } finally {
            inflater.end();
        }
        return out.toByteArray();
    }

    /** Signs with RSA-SHA256 and exclusive C14N, the certificate in KeyInfo; the object must not be marshalled yet. */
    public static void sign(org.opensaml.xmlsec.signature.SignableXMLObject object, SigningKeys keys) {
        BasicX509Credential credential = new BasicX509Credential(keys.certificate(), keys.privateKey());
        Signature signature = build(Signature.DEFAULT_ELEMENT_NAME);
        signature.setSigningCredential(credential);
        signature.setSignatureAlgorithm(SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA256);
        signature.setCanonicalizationAlgorithm(SignatureConstants.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
        X509KeyInfoGeneratorFactory keyInfo = new X509KeyInfoGeneratorFactory();
        keyInfo.setEmitEntityCertificate(true);
        try {
            signature.setKeyInfo(keyInfo.newInstance().generate(credential));
        } catch (org.opensaml.security.SecurityException e) {
            throw new IllegalStateException(e);
        }
        object.setSignature(signature);
        marshall(object);
        try {
            Signer.signObject(signature);
        } catch (SignatureException e) {
            throw new IllegalStateException("SAML signing: " + e.getMessage(), e);
        }
    }

    /**
     * Signs a query of the HTTP-Redirect binding (SAML bindings 3.4.4.1): appends {@code SigAlg} (RSA-SHA256), signs
     * the URL-encoded octets {@code SAMLRequest=...[&RelayState=...]&SigAlg=...} exactly as they go on the wire, and
     * appends {@code Signature}. The receiver checks the raw query it gets, so what is signed is what is sent.
     */
    public static String signRedirectQuery(String encodedQuery, SigningKeys keys) {
        String signed = encodedQuery + "&SigAlg=" + URLEncoder.encode(SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA256,
                StandardCharsets.UTF_8);
        try {
            byte[] signature = XMLSigningUtil.signWithURI(new BasicX509Credential(keys.certificate(), keys.privateKey()),
                    SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA256, signed.getBytes(StandardCharsets.UTF_8));
            return signed + "&Signature=" + URLEncoder.encode(Base64.getEncoder().encodeToString(signature),
                    StandardCharsets.UTF_8);
        } catch (org.opensaml.security.SecurityException e) {
            throw new IllegalStateException("SAML HTTP-Redirect signing: " + e.getMessage(), e);
        }
    }

    /**
     * A metadata {@code <md:KeyDescriptor>} per published certificate (two during a key roll-over, the signing one
     * first), for {@code use} "signing" or "encryption"; the {@code md} and {@code ds} prefixes must be declared.
     */
    static String keyDescriptors(SigningKeys keys, String use) {
        StringBuilder xml = new StringBuilder();
        for (java.security.cert.X509Certificate certificate : keys.publishedCertificates()) {
            try {
                xml.append("    <md:KeyDescriptor use=\"").append(use).append("\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>")
                        .append(Base64.getEncoder().encodeToString(certificate.getEncoded()))
                        .append("</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n");
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException("SAML certificate: " + e.getMessage(), e);
            }
        }
        return xml.toString();
    }

    public static String base64(String xml) {
        return Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8));
    }

    /** A SAML message was refused; the message says why, in French. */
    public static class SamlException extends Exception {
        public SamlException(String message) {
            super(message);
        }
    }
}
