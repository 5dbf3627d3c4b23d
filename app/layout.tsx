import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = { title: "Gantry", description: "Storage boundary for media-intelligence platforms" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
