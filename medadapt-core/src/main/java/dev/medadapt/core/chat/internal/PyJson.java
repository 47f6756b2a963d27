package dev.medadapt.core.chat.internal;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code tojson} filter as Hugging Face defines it for chat templates
 * ({@code transformers/utils/chat_template_utils.py}: {@code json.dumps(x, ensure_ascii=False,
 * indent=indent, separators=separators, sort_keys=sort_keys)}): Python's default separators
 * {@code ", "} and {@code ": "}, non-ASCII kept as is, optional {@code indent}. Jinjava's own
 * {@code tojson} writes compact Jackson JSON, which would change tool prompts.
 */
public final class PyJson implements Filter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    Integer indent = args.length > 0 && args[0] != null ? Integer.valueOf(args[0]) : null;
    return dumps(var, indent, false);
  }

  @Override
  public Object filter(
      Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object ind = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
    Integer indent = ind == null ? null : Integer.valueOf(ind.toString());
    boolean sortKeys = Boolean.parseBoolean(String.valueOf(kwargs.getOrDefault("sort_keys", "false")));
    return dumps(var, indent, sortKeys);
  }

  /** Python {@code json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sortKeys)}. */
  public static String dumps(Object value, Integer indent, boolean sortKeys) {
    StringBuilder b = new StringBuilder();
    write(b, value, indent, sortKeys, 0);
    return b.toString();
  }

  private static void write(StringBuilder b, Object v, Integer indent, boolean sortKeys, int depth) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Boolean bool) {
      b.append(bool ? "true" : "false");
    } else if (v instanceof Number n) {
      writeNumber(b, n);
    } else if (v instanceof CharSequence s) {
      writeString(b, s.toString());
    } else if (v instanceof Map<?, ?> m) {
      Map<?, ?> map = sortKeys ? new TreeMap<>(m) : m;
      if (map.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          b.append(indent == null ? ", " : ",");
        }
        first = false;
        newline(b, indent, depth + 1);
        writeString(b, String.valueOf(e.getKey()));
        b.append(": ");
        write(b, e.getValue(), indent, sortKeys, depth + 1);
      }
      newline(b, indent, depth);
      b.append('}');
    } else if (v instanceof Collection<?> || v instanceof Object[]) {
      List<Object> items = new ArrayList<>();
      if (v instanceof Collection<?> c) {
        items.addAll(c);
      } else {
        items.addAll(List.of((Object[]) v));
      }
      if (items.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append('[');
      boolean first = true;
      for (Object o : items) {
        if (!first) {
          b.append(indent == null ? ", " : ",");
        }
        first = false;
        newline(b, indent, depth + 1);
        write(b, o, indent, sortKeys, depth + 1);
      }
      newline(b, indent, depth);
      b.append(']');
    } else {
      writeString(b, v.toString());
    }
  }

  private static void newline(StringBuilder b, Integer indent, int depth) {
    if (indent != null) {
      b.append('\n');
      b.append(" ".repeat(indent * depth));
    }
  }

  private static void writeNumber(StringBuilder b, Number n) {
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (Double.isNaN(d)) {
        b.append("NaN");
      } else if (Double.isInfinite(d)) {
        b.append(d > 0 ? "Infinity" : "-Infinity");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e16) {
        b.append(new BigDecimal(d).toPlainString()).append(".0"); // Python repr: 1.0
      } else {
        b.append(Double.toString(d).replace("E", "e+").replace("e+-", "e-"));
      }
    } else {
      b.append(n.toString());
    }
  }

  private static void writeString(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
