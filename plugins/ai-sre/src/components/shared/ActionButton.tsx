import Box from '@material-ui/core/Box';
import Button, { ButtonProps } from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { ReactNode, useId } from 'react';
import { ActionPermission } from './permissions';

/**
 * A button for an action that needs a permission or a state: disabled, with
 * the reason written next to it, when it cannot be used.
 */
export function ActionButton(
  props: Omit<ButtonProps, 'disabled'> & {
    permission?: ActionPermission;
    /** Why the action does not apply now, e.g. "Already resolved". */
    unavailable?: string;
    busy?: boolean;
    children: ReactNode;
  },
) {
  const { permission, unavailable, busy, children, ...buttonProps } = props;
  const reasonId = useId();
  const reason = unavailable ?? permission?.reason;
  const disabled =
    Boolean(reason) ||
    busy ||
    permission?.loading ||
    permission?.allowed === false;
  return (
    <Box
      display="inline-flex"
      flexDirection="column"
      mr={2}
      mb={1}
      maxWidth={480}
    >
      <Button
        variant="outlined"
        {...buttonProps}
        disabled={disabled}
        aria-describedby={reason ? reasonId : undefined}
      >
        {children}
      </Button>
      {reason && (
        <Typography id={reasonId} variant="caption" color="textSecondary">
          {reason}
        </Typography>
      )}
    </Box>
  );
}
