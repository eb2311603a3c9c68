import { useEffect, useRef, useState } from 'react';

/**
 * A secret the API returns exactly once (an API key, an EAB HMAC key): shown in a dialog with a
 * copy button until the user closes it; the caller then drops it, so it is never shown again.
 */
export function SecretOnce({
  title,
  label,
  secret,
  extra,
  onClose,
}: {
  title: string;
  label: string;
  secret: string;
  extra?: React.ReactNode;
  onClose: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => heading.current?.focus(), []);
  const copy = () => {
    void navigator.clipboard?.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-labelledby="secret-once-title"
      className="card secret-once"
      data-testid="secret-once"
      onKeyDown={(event) => event.key === 'Escape' && onClose()}
    >
      <h2 id="secret-once-title" ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p className="notice warn">
        <strong>Shown once.</strong> Copy it now: the server keeps only a hash, and this page forgets it when you close this box.
      </p>
      {extra}
      <label htmlFor="secret-once-value">{label}</label>
      <input id="secret-once-value" className="mono" readOnly value={secret} onFocus={(event) => event.target.select()} />
      <div className="actions">
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="primary" onClick={onClose}>
          I have saved it
        </button>
      </div>
    </div>
  );
}
