import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { ApiError, type FieldError } from '../api/client';
import { Problem } from './problem';
import { type FormField, type FormValues, FormInputError, errorsFor, initialValues, toBody, unclaimedErrors } from './schema-fields';

interface SchemaFormProps {
  /** Prefix of every input id (unique on the page). */
  id: string;
  fields: FormField[];
  /** The record being edited (its values fill the form), or undefined to create. */
  existing?: Record<string, unknown>;
  submitLabel: string;
  pending?: boolean;
  /** The failure of the last submit: an API problem's errors[] are shown next to the fields they name. */
  error?: unknown;
  onSubmit: (body: Record<string, unknown>) => void;
  onCancel?: () => void;
  /** Whether the first field takes the focus when the form opens (default: yes). */
  autoFocus?: boolean;
}

/**
 * A form generated from a request body's JSON Schema (docs/openapi.json): one labelled input per
 * property, groups for nested objects, and the API's field errors next to their fields.
 */
export function SchemaForm({ id, fields, existing, submitLabel, pending, error, onSubmit, onCancel, autoFocus = true }: SchemaFormProps) {
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, existing));
  const [inputErrors, setInputErrors] = useState<FieldError[]>([]);
  const formRef = useRef<HTMLFormElement>(null);
  // Keyboard users land in the first field when the form opens; Escape cancels.
  useEffect(() => {
    if (autoFocus) formRef.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [autoFocus]);
  const escape = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && onCancel) onCancel();
  };
  const apiErrors = error instanceof ApiError ? error.errors : [];
  const shown = inputErrors.length ? inputErrors : apiErrors;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    try {
      const body = toBody(fields, values);
      setInputErrors([]);
      onSubmit(body);
    } catch (err) {
      if (err instanceof FormInputError) setInputErrors(err.errors);
      else throw err;
    }
  };
  const set = (path: string, value: FormValues[string]) => setValues((current) => ({ ...current, [path]: value }));
  const unclaimed = unclaimedErrors(fields, shown);
  return (
    <form ref={formRef} className="schema-form" aria-label={submitLabel} onSubmit={submit} onKeyDown={escape} noValidate>
      {error !== undefined && error !== null && !inputErrors.length && <Problem error={error} />}
      {unclaimed.length > 0 && (
        <ul className="error" aria-label="Other errors">
          {unclaimed.map((item) => (
            <li key={item.field + item.message}>
              {item.field}: {item.message}
            </li>
          ))}
        </ul>
      )}
      {fields.map((field) => (
        <FieldInput key={field.path} formId={id} field={field} values={values} errors={shown} onChange={set} />
      ))}
      <div className="actions">
        <button type="submit" className="primary" disabled={pending}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

interface FieldInputProps {
  formId: string;
  field: FormField;
  values: FormValues;
  errors: FieldError[];
  onChange: (path: string, value: FormValues[string]) => void;
}

function FieldInput({ formId, field, values, errors, onChange }: FieldInputProps) {
  const inputId = `${formId}-${field.path.replace(/\./g, '-')}`;
  if (field.children) {
    return (
      <fieldset className="field-group">
        <legend>{field.label}</legend>
        {field.children.map((child) => (
          <FieldInput key={child.path} formId={formId} field={child} values={values} errors={errors} onChange={onChange} />
        ))}
      </fieldset>
    );
  }
  const own = errorsFor(field.path, errors);
  const errorId = `${inputId}-error`;
  const helpId = `${inputId}-help`;
  const describedBy = [field.description ? helpId : '', own.length ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = { id: inputId, name: field.path, 'aria-invalid': own.length > 0 || undefined, 'aria-describedby': describedBy };
  const value = values[field.path];
  const hint = field.kind === 'list' ? ' (comma-separated)' : field.kind === 'json' ? ' (JSON)' : '';
  return (
    <div className={`field ${field.kind === 'boolean' ? 'check' : ''}`} data-field={field.path}>
      {field.kind === 'boolean' ? (
        <label htmlFor={inputId} className="check">
          <input type="checkbox" {...common} checked={value === true} onChange={(event) => onChange(field.path, event.target.checked)} />
          {field.label}
        </label>
      ) : field.kind === 'choices' ? (
        <fieldset {...common}>
          <legend>{field.label}</legend>
          {field.options!.map((option) => {
            const chosen = Array.isArray(value) ? value : [];
            return (
              <label key={option} className="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(option)}
                  onChange={(event) =>
                    onChange(field.path, event.target.checked ? [...chosen, option] : chosen.filter((item) => item !== option))
                  }
                />
                {option}
              </label>
            );
          })}
        </fieldset>
      ) : (
        <>
          <label htmlFor={inputId}>
            {field.label}
            {hint}
            {field.required && <span aria-hidden="true"> *</span>}
          </label>
          {field.kind === 'select' ? (
            <select
              {...common}
              required={field.required}
              value={String(value)}
              onChange={(event) => onChange(field.path, event.target.value)}
            >
              {!field.required && <option value="">—</option>}
              {field.options!.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          ) : field.kind === 'json' ? (
            <textarea {...common} rows={4} value={String(value)} onChange={(event) => onChange(field.path, event.target.value)} />
          ) : (
            <input
              {...common}
              type={field.kind === 'integer' || field.kind === 'number' ? 'number' : field.kind === 'secret' ? 'password' : 'text'}
              autoComplete={field.kind === 'secret' ? 'new-password' : undefined}
              step={field.kind === 'number' ? 'any' : undefined}
              required={field.required}
              value={String(value)}
              onChange={(event) => onChange(field.path, event.target.value)}
            />
          )}
        </>
      )}
      {field.description && (
        <small id={helpId} className="muted">
          {field.description}
        </small>
      )}
      {own.length > 0 && (
        <p id={errorId} className="field-error" role="alert">
          {own.map((item) => item.message).join('; ')}
        </p>
      )}
    </div>
  );
}
