package dev.medadapt.core.chat.internal;

import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ArrayELResolver;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The expression resolver of the chat-template sandbox, the counterpart of Jinja2's
 * {@code ImmutableSandboxedEnvironment} that Hugging Face renders chat templates in.
 *
 * <ul>
 *   <li>Reads: items of lists, arrays and maps, and the properties of Jinjava's {@code loop} object.
 *       No bean properties of any other class (so no {@code .class}, no getters of Java objects).
 *   <li>Calls: Python {@code str} methods with CPython semantics ({@link PyStrings}), the read-only
 *       dict methods {@code items/keys/values/get}, the read-only list methods {@code index/count},
 *       {@code loop.cycle}, and Jinjava's own filter/test dispatch. Everything else (Java methods,
 *       list/dict mutation) fails with {@link SandboxViolation}.
 *   <li>Writes: none through expressions ({@code {% set ns.x = ... %}} is handled by the set tag).
 * </ul>
 */
public final class SandboxResolver extends ELResolver {
  private static final Set<String> MAP_METHODS = Set.of("items", "keys", "values", "get");
  private static final Set<String> LIST_METHODS = Set.of("index", "count");

  private final ELResolver data;
  private final JinjavaBeanELResolver beans = new JinjavaBeanELResolver(true);

  public SandboxResolver() {
    CompositeELResolver c = new CompositeELResolver();
    c.add(new ArrayELResolver(true));
    c.add(new JinjavaListELResolver(true));
    c.add(new TypeConvertingMapELResolver(true));
    this.data = c;
  }

  /** A template tried something the sandbox does not allow. */
  public static final class SandboxViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SandboxViolation(String message) {
      super(message);
    }
  }

  private static boolean isData(Object base) {
    return base instanceof Map || base instanceof List || (base != null && base.getClass().isArray());
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    if (base == null) {
      return null;
    }
    if (isData(base)) {
      return data.getValue(context, base, property);
    }
    if (base instanceof ForLoop) {
      return beans.getValue(context, base, property);
    }
    if (base instanceof String s && property != null && property.toString().matches("-?\\d{1,9}")) {
      // Python str indexing, negative from the end: m.role[0], content[-1] (Jinjava passes the
      // index as its string form).
      int i = Integer.parseInt(property.toString());
      int k = i < 0 ? s.length() + i : i;
      context.setPropertyResolved(true);
      return k >= 0 && k < s.length() ? String.valueOf(s.charAt(k)) : null;
    }
    // Any other object: unresolved, which Jinjava reports as an unknown property (undefined).
    return null;
  }

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (method == null) {
      return null;
    }
    String name = method.toString();
    if (base == null) {
      // Macros and functions never get here (Jinjava resolves them first); a null base is an
      // undefined value or an unknown filter, which Jinja2 rejects too.
      throw new SandboxViolation(
          name.equals("filter")
              ? "unknown filter"
              : "calling ." + name + "() on an undefined value");
    }
    if (base instanceof String s) {
      Object result = PyStringMethods.invoke(s, name, params == null ? new Object[0] : params);
      context.setPropertyResolved(true);
      return result;
    }
    boolean allowed =
        (base instanceof Map && MAP_METHODS.contains(name))
            || (base instanceof List && LIST_METHODS.contains(name))
            || (base instanceof ForLoop && name.equals("cycle"))
            || (base instanceof Filter && name.equals("filter"))
            || (base instanceof ExpTest && (name.equals("evaluate") || name.equals("evaluateNegated")));
    if (!allowed) {
      throw new SandboxViolation(
          "calling ." + name + "() on a " + typeName(base) + " is not allowed in a chat template");
    }
    if (base instanceof Filter f && params != null && params.length == 4 && params[2] instanceof Object[] args
        && params[3] instanceof Map<?, ?> kwargs) {
      // Jinjava's filter dispatch: (value, interpreter, positional args, named args).
      @SuppressWarnings("unchecked")
      Map<String, Object> named = (Map<String, Object>) kwargs;
      Object result = f.filter(params[0], (JinjavaInterpreter) params[1], args, named);
      context.setPropertyResolved(true);
      return result;
    }
    return beans.invoke(context, base, method, paramTypes, params);
  }

  private static String typeName(Object base) {
    if (base instanceof Map) {
      return "dict";
    }
    if (base instanceof List || base.getClass().isArray()) {
      return "list";
    }
    if (base instanceof Number) {
      return "number";
    }
    if (base instanceof Boolean) {
      return "bool";
    }
    return "value of an unsupported type";
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return isData(base) ? data.getType(context, base, property) : null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    throw new SandboxViolation("assigning ." + property + " is not allowed in a chat template");
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return Collections.emptyIterator();
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return isData(base) ? data.getCommonPropertyType(context, base) : null;
  }
}
