import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { Problem } from './problem';

/** One write action on a row: a button that runs the call, refreshes `refresh`, and explains a refusal. */
export function ActionButton({
  label,
  run,
  refresh,
  confirm,
  className,
  done,
}: {
  label: string;
  run: () => Promise<unknown>;
  refresh: QueryKey;
  confirm?: string;
  className?: string;
  done?: string;
}) {
  const queryClient = useQueryClient();
  const action = useMutation({ mutationFn: run, onSuccess: () => void queryClient.invalidateQueries({ queryKey: refresh }) });
  const click = () => {
    if (confirm && !window.confirm(confirm)) return;
    action.mutate();
  };
  return (
    <span className="row-action">
      <button type="button" className={className} disabled={action.isPending} onClick={click}>
        {label}
      </button>
      {action.error && <Problem error={action.error} />}
      {action.isSuccess && done && <span role="status">{done}</span>}
    </span>
  );
}
