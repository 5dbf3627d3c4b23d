import Link from "next/link";
import { signInAction } from "../actions";
import { AuthForm } from "../auth-form";

export default function SignInPage() {
  return (
    <div className="auth-card panel">
      <div className="brand">Gantry</div>
      <p className="muted">Sign in to your workspace.</p>
      <AuthForm
        action={signInAction}
        submit="Sign in"
        fields={[
          { name: "email", label: "Email", type: "email", autoComplete: "email" },
          { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
        ]}
      />
      <p className="muted">No account? <Link href="/sign-up">Create one</Link></p>
    </div>
  );
}
