"use client";

import { startTransition, type FormEvent } from "react";

/**
 * A form's onSubmit that runs a useActionState action without React's automatic form reset, which would
 * put controlled selects back to their initial values while the component state (which fields are shown)
 * stays as the user chose, so the next submission would send other values than those on screen.
 */
export function submitWithoutReset(action: (fd: FormData) => void) {
  return (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    startTransition(() => action(fd));
  };
}
