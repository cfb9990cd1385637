package io.github.moe4j.template;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code datetime.strftime} in the C locale, for {@code strftime_now(fmt)}. */
final class Strftime {
    private Strftime() {
    }

    static String format(LocalDateTime t, String fmt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char f = fmt.charAt(++i);
            boolean noPad = false;
            if (f == '-' && i + 1 < fmt.length()) {
                noPad = true;
                f = fmt.charAt(++i);
            }
            int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
            switch (f) {
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> pad(sb, t.getDayOfMonth(), 2, noPad);
                case 'e' -> sb.append(noPad ? String.valueOf(t.getDayOfMonth()) : String.format("%2d", t.getDayOfMonth()));
                case 'm' -> pad(sb, t.getMonthValue(), 2, noPad);
                case 'y' -> pad(sb, t.getYear() % 100, 2, noPad);
                case 'Y' -> sb.append(t.getYear());
                case 'H' -> pad(sb, t.getHour(), 2, noPad);
                case 'I' -> pad(sb, hour12, 2, noPad);
                case 'M' -> pad(sb, t.getMinute(), 2, noPad);
                case 'S' -> pad(sb, t.getSecond(), 2, noPad);
                case 'f' -> pad(sb, t.getNano() / 1000, 6, false);
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> pad(sb, t.getDayOfYear(), 3, noPad);
                case 'u' -> sb.append(t.getDayOfWeek().getValue());
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case 'F' -> sb.append(String.format("%d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth()));
                case 'T' -> sb.append(String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
                case 'D' -> sb.append(String.format("%02d/%02d/%02d", t.getMonthValue(), t.getDayOfMonth(), t.getYear() % 100));
                case 'R' -> sb.append(String.format("%02d:%02d", t.getHour(), t.getMinute()));
                case 'z', 'Z' -> {
                    // naive datetime: empty
                }
                case '%' -> sb.append('%');
                default -> sb.append('%').append(f);
            }
        }
        return sb.toString();
    }

    private static void pad(StringBuilder sb, int v, int width, boolean noPad) {
        String s = String.valueOf(v);
        if (!noPad) {
            sb.append("0".repeat(Math.max(0, width - s.length())));
        }
        sb.append(s);
    }
}
