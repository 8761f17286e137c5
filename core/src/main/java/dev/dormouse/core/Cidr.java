package dev.dormouse.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a block of one.
 * IPv4 addresses written as IPv4-mapped IPv6 ({@code ::ffff:10.1.2.3}) match IPv4 blocks.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses {@code address[/prefix]} written with literal addresses only (no host names are looked up).
     *
     * @throws IllegalArgumentException naming the text when it is not an address block
     */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (addr.isEmpty() || !addr.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("not an address block like 10.0.0.0/8 or fd00::/8: '" + text + "'");
        byte[] bytes;
        try {
            bytes = normalise(InetAddress.getByName(addr).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address block like 10.0.0.0/8 or fd00::/8: '" + text + "'");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("prefix length must be a number: '" + text + "'");
            }
            if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("prefix length must be 0 to " + bits + ": '" + text + "'");
        }
        byte[] net = mask(bytes, prefix);
        if (!Arrays.equals(net, bytes)) {
            throw new IllegalArgumentException("'" + text + "' has host bits set; the block is " + format(net, prefix));
        }
        return new Cidr(net, prefix, format(net, prefix));
    }

    /** Whether {@code address} lies in this block. */
    public boolean contains(InetAddress address) {
        byte[] a = normalise(address.getAddress());
        if (a.length != network.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) return false;
        }
        int rest = prefix % 8;
        return rest == 0 || ((a[full] ^ network[full]) & (0xff << (8 - rest)) & 0xff) == 0;
    }

    private static byte[] normalise(byte[] b) {
        if (b.length == 16) {
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) mapped = b[i] == 0;
            if (mapped) return Arrays.copyOfRange(b, 12, 16);
        }
        return b;
    }

    private static byte[] mask(byte[] b, int prefix) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    private static String format(byte[] net, int prefix) {
        try {
            return InetAddress.getByAddress(net).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    /** The canonical form, e.g. {@code 10.0.0.0/8}. */
    @Override
    public String toString() {
        return text;
    }
}
