package dev.medadapt.core.chat.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** Dispatches {@code "text".method(args)} in a template to {@link PyStrings} (Python semantics). */
final class PyStringMethods {
  private PyStringMethods() {}

  static Object invoke(String s, String name, Object[] a) {
    switch (name) {
      case "split":
        arity(name, a, 0, 2);
        return split(s, a, false);
      case "rsplit":
        arity(name, a, 0, 2);
        return split(s, a, true);
      case "strip":
        arity(name, a, 0, 1);
        return PyStrings.strip(s, optString(a, 0), true, true);
      case "lstrip":
        arity(name, a, 0, 1);
        return PyStrings.strip(s, optString(a, 0), true, false);
      case "rstrip":
        arity(name, a, 0, 1);
        return PyStrings.strip(s, optString(a, 0), false, true);
      case "startswith":
        arity(name, a, 1, 1);
        return PyStrings.startsWith(s, a[0]);
      case "endswith":
        arity(name, a, 1, 1);
        return PyStrings.endsWith(s, a[0]);
      case "upper":
        arity(name, a, 0, 0);
        return s.toUpperCase(Locale.ROOT);
      case "lower":
        arity(name, a, 0, 0);
        return s.toLowerCase(Locale.ROOT);
      case "title":
        arity(name, a, 0, 0);
        return PyStrings.title(s);
      case "capitalize":
        arity(name, a, 0, 0);
        return PyStrings.capitalize(s);
      case "replace":
        arity(name, a, 2, 3);
        return PyStrings.replace(s, str(a[0]), str(a[1]), a.length > 2 ? toInt(a[2]) : -1);
      case "find":
        arity(name, a, 1, 1);
        return s.indexOf(str(a[0]));
      case "rfind":
        arity(name, a, 1, 1);
        return s.lastIndexOf(str(a[0]));
      case "count":
        arity(name, a, 1, 1);
        return PyStrings.count(s, str(a[0]));
      case "splitlines":
        arity(name, a, 0, 0);
        return PyStrings.splitLines(s);
      case "join":
        arity(name, a, 1, 1);
        return join(s, a[0]);
      case "isdigit":
        arity(name, a, 0, 0);
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
      case "isspace":
        arity(name, a, 0, 0);
        return !s.isEmpty() && s.chars().allMatch(c -> PyStrings.isSpace((char) c));
      default:
        throw new SandboxResolver.SandboxViolation(
            "string method ." + name + "() is not supported in a chat template");
    }
  }

  private static List<String> split(String s, Object[] a, boolean right) {
    String sep = optString(a, 0);
    int max = a.length > 1 ? toInt(a[1]) : -1;
    if (sep != null && sep.isEmpty()) {
      throw new SandboxResolver.SandboxViolation("split(): empty separator");
    }
    return right ? PyStrings.rsplit(s, sep, max) : PyStrings.split(s, sep, max);
  }

  private static String join(String sep, Object items) {
    List<String> parts = new ArrayList<>();
    if (items instanceof Collection<?> c) {
      for (Object o : c) {
        parts.add(str(o));
      }
    } else if (items instanceof Object[] arr) {
      for (Object o : arr) {
        parts.add(str(o));
      }
    } else {
      throw new SandboxResolver.SandboxViolation("join() needs a list");
    }
    return String.join(sep, parts);
  }

  private static void arity(String name, Object[] a, int min, int max) {
    if (a.length < min || a.length > max) {
      throw new SandboxResolver.SandboxViolation(
          "string method ." + name + "() takes " + (min == max ? min : min + " to " + max)
              + " arguments, got " + a.length);
    }
  }

  private static String optString(Object[] a, int i) {
    return a.length > i && a[i] != null ? str(a[i]) : null;
  }

  private static String str(Object o) {
    return o == null ? "" : o.toString();
  }

  private static int toInt(Object o) {
    if (o instanceof Number n) {
      return n.intValue();
    }
    throw new SandboxResolver.SandboxViolation("expected an integer argument, got " + o);
  }
}
