import Link from "next/link";
import { signUpAction } from "../actions";
import { AuthForm } from "../auth-form";

export default function SignUpPage() {
  return (
    <div className="auth-card panel">
      <div className="brand">Gantry</div>
      <p className="muted">Create an account and your workspace.</p>
      <AuthForm
        action={signUpAction}
        submit="Create account"
        fields={[
          { name: "name", label: "Name (optional)", type: "text", autoComplete: "name" },
          { name: "email", label: "Email", type: "email", autoComplete: "email" },
          { name: "password", label: "Password", type: "password", autoComplete: "new-password", hint: "At least 10 characters." },
        ]}
      />
      <p className="muted">Already have an account? <Link href="/sign-in">Sign in</Link></p>
    </div>
  );
}
