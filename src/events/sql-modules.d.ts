// wrangler.toml bundles `*.sql` files as Text modules: importing one yields its contents.
declare module "*.sql" {
  const text: string;
  export default text;
}
