import { z } from 'zod';

/**
 * An update schema: every field optional and, unlike zod 4's `partial()`, with no defaults filled
 * in — a field the caller did not send must stay as it is, not reset to its default.
 */
export function patchOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([name, field]) => {
      const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType);
      return [name, inner.optional()];
    }),
  ) as { [K in keyof Shape]: z.ZodOptional<z.ZodType<z.output<Shape[K]>, z.input<Shape[K]>>> };
  return z.object(shape);
}
