package dev.medadapt.core.model.qwen2;

/** Replaces projections of a model, e.g. to add LoRA deltas; see {@link Qwen2Model#wrapProjections}. */
@FunctionalInterface
public interface ProjectionWrapper {
  /**
   * Returns the projection to use for module {@code moduleName}: {@code base} itself to keep it, or a
   * new one (usually one that calls {@code base}).
   */
  Projection wrap(String moduleName, Projection base);
}
