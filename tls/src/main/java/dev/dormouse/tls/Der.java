package dev.dormouse.tls;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The little DER this module needs to turn PKCS#1 and SEC1 keys into PKCS#8 (which the JDK reads): reading
 * one element, writing a tag-length-value. Anything malformed is an {@link IllegalArgumentException}.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    static final int CONTEXT_0 = 0xa0;

    static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Der() {}

    /** One element: its tag and where its content lies in {@code data}. */
    record Element(int tag, byte[] data, int start, int end) {
        byte[] content() {
            return Arrays.copyOfRange(data, start, end);
        }

        /** The elements inside a constructed element, in order. */
        Element[] children() {
            java.util.List<Element> out = new java.util.ArrayList<>();
            int pos = start;
            while (pos < end) {
                Element e = read(data, pos, end);
                out.add(e);
                pos = e.end;
            }
            return out.toArray(Element[]::new);
        }
    }

    /** Reads the element that starts at {@code pos} and must end by {@code limit}. */
    static Element read(byte[] data, int pos, int limit) {
        if (pos + 2 > limit) throw new IllegalArgumentException("truncated");
        int tag = data[pos] & 0xff;
        int len = data[pos + 1] & 0xff;
        int p = pos + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 3 || p + n > limit) throw new IllegalArgumentException("bad length");
            len = 0;
            for (int i = 0; i < n; i++) len = (len << 8) | (data[p++] & 0xff);
        }
        if (len > limit - p) throw new IllegalArgumentException("truncated");
        return new Element(tag, data, p, p + len);
    }

    /** The whole of {@code data} as one element, nothing after it. */
    static Element parse(byte[] data) {
        Element e = read(data, 0, data.length);
        if (e.end != data.length) throw new IllegalArgumentException("trailing data");
        return e;
    }

    static byte[] tlv(int tag, byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) len += p.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 6);
        out.write(tag);
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** PKCS#8 PrivateKeyInfo (version 0) around an algorithm's own private key encoding. */
    static byte[] pkcs8(byte[] algorithmOid, byte[] parameters, byte[] privateKey) {
        return tlv(SEQUENCE, tlv(INTEGER, new byte[] {0}), tlv(SEQUENCE, tlv(OID, algorithmOid), parameters),
                tlv(OCTET_STRING, privateKey));
    }
}
