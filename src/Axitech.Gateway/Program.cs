using Axitech.Gateway;

return await GatewayApplication.RunAsync(new GatewayHostSettings { Args = args }).ConfigureAwait(false);
