package fr.relais.sandbox;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.xml.XMLConstants;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The sandbox's own SAML plumbing, deliberately independent of Relais' (no OpenSAML, no {@code fr.relais.sso}):
 * DOM parsing and string building, signatures through the JDK's XML Digital Signature API (JSR 105, exclusive
 * c14n, RSA-SHA256) and encryption through plain JCE (RSA-OAEP, AES-256-GCM). A simulated peer that shared
 * Relais' code would agree with Relais' bugs; this one only agrees with the standards.
 */
public final class SandboxSaml {

    public static final String ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
    public static final String PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
    static final String DSIG_NS = XMLSignature.XMLNS;
    static final String XENC_NS = "http://www.w3.org/2001/04/xmlenc#";

    private SandboxSaml() {
    }

    /** A simulated peer's signing key and its self-signed certificate. */
    public record Keys(PrivateKey privateKey, X509Certificate certificate) {

        public static Keys generate(String commonName) {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048, new SecureRandom());
                KeyPair pair = generator.generateKeyPair();
                Instant now = Instant.now();
                X500Name name = new X500Name("CN=" + commonName + ",O=Bac a sable");
                X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                        new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))),
                                name, pair.getPublic())
                                .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
                return new Keys(pair.getPrivate(), certificate);
            } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }

        public String certificateBase64() {
            try {
                return Base64.getEncoder().encodeToString(certificate.getEncoded());
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A random XML id (an NCName). */
    public static String newId() {
        byte[] random = new byte[20];
        new SecureRandom().nextBytes(random);
        return "_" + HexFormat.of().formatHex(random);
    }

    /** An xs:dateTime in UTC, to the millisecond. */
    public static String instant(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** Escapes text for an XML attribute or element. */
    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Parses without DTDs or external entities (the documents come from the network). */
    public static Document parse(byte[] xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        } catch (Exception e) {
            throw new IllegalArgumentException("document XML illisible : " + e.getMessage(), e);
        }
    }

    public static Document parse(String xml) {
        return parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    /** The HTTP-Redirect binding's encoding undone: base64, then raw DEFLATE. */
    public static byte[] inflate(String base64) {
        byte[] deflated = Base64.getMimeDecoder().decode(base64);
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
                if (out.size() > 200_000) {
                    throw new IllegalArgumentException("demande trop volumineuse");
                }
            }
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("demande mal compressée : " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        return out.toByteArray();
    }

    public static String toXml(Node node) {
        try {
            StringWriter w = new StringWriter();
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.transform(new DOMSource(node), new StreamResult(w));
            return w.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String base64(String xml) {
        return Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8));
    }

    /** The first child element of {@code parent} with this name, or null. */
    public static Element child(Element parent, String namespace, String localName) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && namespace.equals(e.getNamespaceURI()) && localName.equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }

    /** The child elements of {@code parent} with this name. */
    public static List<Element> children(Element parent, String namespace, String localName) {
        List<Element> found = new java.util.ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && namespace.equals(e.getNamespaceURI()) && localName.equals(e.getLocalName())) {
                found.add(e);
            }
        }
        return found;
    }

    /**
     * Signs {@code element} (a SAML Assertion, Response or LogoutRequest with an {@code ID}) in place, with an
     * enveloped signature placed right after its Issuer, as the SAML schema wants.
     */
    public static void sign(Element element, Keys keys) {
        try {
            element.setIdAttributeNS(null, "ID", true);
            XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");
            Reference reference = factory.newReference("#" + element.getAttribute("ID"),
                    factory.newDigestMethod(DigestMethod.SHA256, null),
                    List.of(factory.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null),
                            factory.newTransform(CanonicalizationMethod.EXCLUSIVE, (TransformParameterSpec) null)),
                    null, null);
            SignedInfo signedInfo = factory.newSignedInfo(
                    factory.newCanonicalizationMethod(CanonicalizationMethod.EXCLUSIVE, (C14NMethodParameterSpec) null),
                    factory.newSignatureMethod(SignatureMethod.RSA_SHA256, null), List.of(reference));
            KeyInfoFactory keyInfos = factory.getKeyInfoFactory();
            var keyInfo = keyInfos.newKeyInfo(List.of(keyInfos.newX509Data(List.of(keys.certificate()))));
            Element issuer = child(element, ASSERTION_NS, "Issuer");
            DOMSignContext context = issuer == null || issuer.getNextSibling() == null
                    ? new DOMSignContext(keys.privateKey(), element)
                    : new DOMSignContext(keys.privateKey(), element, issuer.getNextSibling());
            context.setDefaultNamespacePrefix("ds");
            factory.newXMLSignature(signedInfo, keyInfo).sign(context);
        } catch (GeneralSecurityException | javax.xml.crypto.MarshalException | javax.xml.crypto.dsig.XMLSignatureException e) {
            throw new IllegalStateException("signature impossible : " + e.getMessage(), e);
        }
    }

    /**
     * Checks that {@code element} carries its own enveloped signature, made on it (the reference is its
     * {@code ID}) with RSA-SHA256 by {@code certificate}'s key; throws with the reason otherwise.
     */
    public static void verify(Element element, X509Certificate certificate) {
        Element signature = child(element, DSIG_NS, "Signature");
        if (signature == null) {
            throw new IllegalArgumentException("élément " + element.getLocalName() + " non signé");
        }
        String id = element.getAttribute("ID");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("élément signé sans attribut ID");
        }
        element.setIdAttributeNS(null, "ID", true);
        try {
            DOMValidateContext context = new DOMValidateContext(certificate.getPublicKey(), signature);
            context.setProperty("org.jcp.xml.dsig.secureValidation", Boolean.TRUE);
            XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");
            XMLSignature xmlSignature = factory.unmarshalXMLSignature(context);
            List<?> references = xmlSignature.getSignedInfo().getReferences();
            if (references.size() != 1 || !("#" + id).equals(((Reference) references.get(0)).getURI())) {
                throw new IllegalArgumentException("la signature ne porte pas sur l'élément " + id);
            }
            if (!SignatureMethod.RSA_SHA256.equals(xmlSignature.getSignedInfo().getSignatureMethod().getAlgorithm())) {
                throw new IllegalArgumentException("algorithme de signature inattendu");
            }
            if (!xmlSignature.validate(context)) {
                throw new IllegalArgumentException("signature invalide");
            }
        } catch (javax.xml.crypto.MarshalException | javax.xml.crypto.dsig.XMLSignatureException e) {
            throw new IllegalArgumentException("signature illisible : " + e.getMessage(), e);
        }
    }

    /**
     * Replaces {@code assertion} by an EncryptedAssertion for {@code recipient}: the assertion serialised and
     * encrypted with a fresh AES-256-GCM key, that key wrapped with RSA-OAEP (MGF1, SHA-1 digest, the XML
     * Encryption default) and carried inline.
     */
    public static void encrypt(Element assertion, X509Certificate recipient) {
        try {
            SecretKey key = KeyGenerator.getInstance("AES").generateKey();
            byte[] iv = new byte[12];
            new SecureRandom().nextBytes(iv);
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            byte[] sealed = aes.doFinal(toXml(assertion).getBytes(StandardCharsets.UTF_8));
            byte[] cipherValue = new byte[iv.length + sealed.length];
            System.arraycopy(iv, 0, cipherValue, 0, iv.length);
            System.arraycopy(sealed, 0, cipherValue, iv.length, sealed.length);
            Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
            rsa.init(Cipher.WRAP_MODE, recipient.getPublicKey());
            byte[] wrapped = rsa.wrap(key);
            String xml = "<saml2:EncryptedAssertion xmlns:saml2=\"" + ASSERTION_NS + "\">"
                    + "<xenc:EncryptedData xmlns:xenc=\"" + XENC_NS + "\" Type=\"" + XENC_NS + "Element\">"
                    + "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#aes256-gcm\"/>"
                    + "<ds:KeyInfo xmlns:ds=\"" + DSIG_NS + "\"><xenc:EncryptedKey>"
                    + "<xenc:EncryptionMethod Algorithm=\"" + XENC_NS + "rsa-oaep-mgf1p\">"
                    + "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/></xenc:EncryptionMethod>"
                    + "<xenc:CipherData><xenc:CipherValue>" + Base64.getEncoder().encodeToString(wrapped)
                    + "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
                    + "<xenc:CipherData><xenc:CipherValue>" + Base64.getEncoder().encodeToString(cipherValue)
                    + "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml2:EncryptedAssertion>";
            Node encrypted = assertion.getOwnerDocument().importNode(parse(xml).getDocumentElement(), true);
            assertion.getParentNode().replaceChild(encrypted, assertion);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("chiffrement impossible : " + e.getMessage(), e);
        }
    }

    /** The certificate in the first {@code <ds:X509Certificate>} of a metadata document with this {@code use}. */
    public static X509Certificate certificateFromMetadata(String metadata, String use) {
        Document d = parse(metadata);
        var descriptors = d.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:metadata", "KeyDescriptor");
        for (int i = 0; i < descriptors.getLength(); i++) {
            Element descriptor = (Element) descriptors.item(i);
            String declared = descriptor.getAttribute("use");
            if (declared.isEmpty() || declared.equals(use)) {
                var certificates = descriptor.getElementsByTagNameNS(DSIG_NS, "X509Certificate");
                if (certificates.getLength() > 0) {
                    try {
                        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                                new ByteArrayInputStream(Base64.getMimeDecoder().decode(
                                        certificates.item(0).getTextContent().trim())));
                    } catch (GeneralSecurityException e) {
                        throw new IllegalArgumentException("certificat illisible dans les métadonnées : " + e.getMessage(), e);
                    }
                }
            }
        }
        throw new IllegalArgumentException("aucun certificat '" + use + "' dans les métadonnées");
    }
}
